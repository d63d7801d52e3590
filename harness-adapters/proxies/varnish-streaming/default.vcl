# varnish-default's configuration plus what Varnish's documentation gives for
# a response that is streamed and never cached: in vcl_backend_response,
# beresp.do_stream (deliver while fetching; the default since 4.0) and
# beresp.uncacheable for text/event-stream (Users Guide, "Cache misses" and
# "VCL variables: beresp"), and a backend between_bytes_timeout long enough
# for a quiet stream (Reference, "Backend definition": "how long to wait
# between each received byte", 60 s by default).
vcl 4.1;

backend default {
    .host = "@UPSTREAM_HOST@";
    .port = "@UPSTREAM_PORT@";
    .between_bytes_timeout = 1h;
}

sub vcl_recv {
}

sub vcl_backend_response {
    if (beresp.http.Content-Type ~ "^text/event-stream") {
        set beresp.do_stream = true;
        set beresp.uncacheable = true;
        return (deliver);
    }
}

sub vcl_deliver {
}
