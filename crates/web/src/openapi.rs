//! The OpenAPI 3.1 document of `/api/v1`, hand-written in `openapi.json` and kept in sync
//! with the router by a test that checks every route of [`API_ROUTES`] is listed there and
//! answers (is not the router's fallback).

/// The OpenAPI document served at `/api/v1/openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// Every API route: (method, path template in OpenAPI syntax).
pub const API_ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/openapi.json"),
    ("post", "/api/v1/login"),
    ("post", "/api/v1/logout"),
    ("get", "/api/v1/me"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/districts"),
    ("post", "/api/v1/districts"),
    ("get", "/api/v1/districts/{id}"),
    ("get", "/api/v1/districts/{id}/participants"),
    ("post", "/api/v1/districts/{id}/participants"),
    ("post", "/api/v1/districts/{id}/simulations"),
    ("get", "/api/v1/districts/{id}/community"),
    ("put", "/api/v1/districts/{id}/community"),
    ("post", "/api/v1/districts/{id}/allocations"),
    ("post", "/api/v1/districts/{id}/optimisations"),
    ("post", "/api/v1/districts/{id}/sizings"),
    ("get", "/api/v1/districts/{id}/assets"),
    ("post", "/api/v1/districts/{id}/assets"),
    ("get", "/api/v1/districts/{id}/asset-plan"),
    ("get", "/api/v1/districts/{id}/asset-plan.csv"),
    ("patch", "/api/v1/assets/{id}"),
    ("post", "/api/v1/assets/{id}/maintenance"),
    ("get", "/api/v1/participants/{prm}/curve"),
    ("put", "/api/v1/participants/{prm}/curve"),
    ("get", "/api/v1/jobs/{id}"),
    ("post", "/api/v1/jobs/{id}/cancel"),
    ("post", "/api/v1/jobs/{id}/retry"),
    ("get", "/api/v1/runs/{id}"),
    ("get", "/api/v1/runs/{id}/timeseries.csv"),
    ("get", "/api/v1/experiments"),
    ("post", "/api/v1/experiments"),
    ("get", "/api/v1/experiments/{slug}"),
    ("get", "/api/v1/programme"),
    ("get", "/api/v1/users"),
    ("delete", "/api/v1/users/{username}"),
    ("put", "/api/v1/me/password"),
    ("put", "/api/v1/users/{username}/password"),
    ("patch", "/api/v1/districts/{id}/participants/{prm}"),
    ("delete", "/api/v1/districts/{id}/participants/{prm}"),
    ("delete", "/api/v1/districts/{id}"),
    ("get", "/api/v1/audit"),
];
