#!/usr/bin/env python3
"""Reads pages of a running Quartier server in French and in English and prints every line of
the other language's small words (``the``, ``of`` on a French page; ``les``, ``du`` on an English
one), after removing the demo's own names and the text marked ``lang=en``. The browser test
does the same on the test server's pages; this script runs it on the demo's real data.

    quartier serve --db sqlite:///tmp/q.db --addr 127.0.0.1:18080 --data-dir /tmp/data &
    python3 tools/page_language_check.py admin 'the admin password' /districts /districts/1 \
        /districts/1/community /districts/1/assets /districts/1/assets/plan.html /experiments \
        /programme

BASE (environment) names another server than http://127.0.0.1:18080. Standard library only.
"""
import os
import re, sys, json, urllib.request, http.cookiejar, html
BASE=os.environ.get("BASE", "http://127.0.0.1:18080")
cj=http.cookiejar.CookieJar()
op=urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cj))
def post(path, body):
    req=urllib.request.Request(BASE+path, data=json.dumps(body).encode(), headers={"Content-Type":"application/json"})
    return op.open(req).read()
post("/api/v1/login", {"username": sys.argv[1], "password": sys.argv[2]})
EN=set("the and of with from to is are for this your not by per has have was be at it its which".split())
FR=set("le la les des du et est avec pour une aux sur dans votre vos pas sont ou au cette qui par".split())
NAMES=["Meudon-la-Forêt","Communauté d'énergie de Meudon-la-Forêt","Val de Seine","Issy-les-Moulineaux","HydroSeine","Quartier"]
def text(page):
    page=re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>","",page)
    page=re.sub(r"(?s)<span lang=en>.*?</span>","",page)
    page=re.sub(r"<br>|</p>|</li>|</tr>|</h\d>|</div>|</td>|</th>|</text>|</title>","\n",page)
    page=re.sub(r"<[^>]+>"," ",page)
    return html.unescape(page)
paths=sys.argv[3:]
for p in paths:
    for lang,small in (("fr",EN),("en",FR)):
        url=f"{p}{'&' if '?' in p else '?'}lang={lang}"
        try:
            body=op.open(BASE+url).read().decode()
        except Exception as e:
            print("ERR",url,e); continue
        t=text(body)
        # drop data names: lines with district/participant names are data
        for line in t.split("\n"):
            l=line
            for n in NAMES: l=l.replace(n," ")
            words=[part for word in re.split(r"[^\w']+", l.lower()) for part in word.split("'")]
            hit=[w for w in words if w in small]
            if hit:
                print(f"{url}: {hit[:3]} :: {line.strip()[:160]}")
