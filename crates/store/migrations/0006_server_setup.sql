-- Steps of the server's own setup that are done (e.g. `demo`: the demo districts, their
-- community, assets and first runs), so that an interrupted first start resumes where it
-- stopped and a finished one is never repeated.
CREATE TABLE server_setup (
    step TEXT PRIMARY KEY,
    done_at INTEGER NOT NULL
);
