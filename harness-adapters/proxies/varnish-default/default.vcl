# The reference server behind Varnish as Debian ships it: /etc/varnish/default.vcl
# (the built-in VCL does the rest) with its backend pointed at the upstream,
# and varnishd's parameters as Debian's varnish.service starts it (-s
# malloc,256m; every timeout at varnishd's default: between_bytes_timeout
# 60 s). Nothing about event streams.
vcl 4.1;

backend default {
    .host = "@UPSTREAM_HOST@";
    .port = "@UPSTREAM_PORT@";
}

sub vcl_recv {
}

sub vcl_backend_response {
}

sub vcl_deliver {
}
