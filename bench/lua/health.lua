-- GET /q/health/live: no authentication, no database, no body. What any request costs the service
-- at least: the HTTP server, the request id, the access log line.
wrk.method = "GET"
