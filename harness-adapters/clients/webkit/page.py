"""WebKit's EventSource under the ssecheck client contract (contracts section 3).

Run by adapter.mjs with Debian's python3 (python3-gi, gir1.2-webkit2-4.1):
`page.py PAGE_URL` starts its own Xvfb (WebKitGTK draws through GTK, which
needs a display), opens the harness's browser page in a window of a fresh,
ephemeral web context, and runs until its stdin ends. The page sends its
lines through a script message handler named `ssecheck`: event lines go to
stdout, `#` lines (the page's log) to stderr. `close` on stdin calls the
page's `ssecheckClose()`. `page.py --version` prints the version of the
WebKitGTK library that runs.

TLS: WebKitGTK's own mechanism for trusting a certificate it cannot verify,
`webkit_web_context_allow_tls_certificate_for_host`, applied only to a
server certificate that verifies against the run's CA (SSE_CA_FILE) for the
host it was served for; any other certificate error fails as it would.
"""

import os
import subprocess
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
# GTK (which WebKit2 loads) opens the display when it is imported, so the
# modules are imported only once DISPLAY names our Xvfb.


# How often a page that did not load is loaded again, after how long, and
# how long the first load may take before it is (the case allows 30 s).
LOAD_TRIES = 3
RETRY_AFTER_MS = 200
WATCHDOG_S = 8


def version():
    from gi.repository import WebKit2

    return f"{WebKit2.get_major_version()}.{WebKit2.get_minor_version()}.{WebKit2.get_micro_version()}"


def start_xvfb():
    """A display of our own: Xvfb picks a free number and tells it on a pipe."""
    read, write = os.pipe()
    subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=[write],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(read, 16)
        if not chunk:
            sys.exit("Xvfb did not start (Debian: apt-get install xvfb)")
        number += chunk
    os.close(read)
    os.environ["DISPLAY"] = ":" + number.decode().strip()


def main():
    if sys.argv[1:] == ["--version"]:
        print(f"WebKitGTK {version()}")
        return
    if len(sys.argv) != 2:
        sys.exit("usage: page.py PAGE_URL, or --version")
    # Event lines get a descriptor of their own; whatever WebKit's processes
    # print on stdout goes to stderr instead.
    lines = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
    os.dup2(2, 1)
    start_xvfb()
    from gi.repository import Gio, GLib, Gtk, WebKit2

    Gtk.init(None)
    context = WebKit2.WebContext.new_ephemeral()
    ca_file = os.environ.get("SSE_CA_FILE")
    ca = Gio.TlsCertificate.new_from_file(ca_file) if ca_file else None

    manager = WebKit2.UserContentManager()
    manager.register_script_message_handler("ssecheck")

    def on_message(_manager, result):
        for line in result.get_js_value().to_string().split("\n"):
            if line.startswith("#"):
                print(f"page: {line[1:]}", file=sys.stderr, flush=True)
            elif line:
                lines.write(line + "\n")
        lines.flush()

    manager.connect("script-message-received::ssecheck", on_message)
    view = WebKit2.WebView(web_context=context, user_content_manager=manager)
    settings = view.get_settings()
    settings.set_enable_page_cache(False)
    settings.set_hardware_acceleration_policy(WebKit2.HardwareAccelerationPolicy.NEVER)

    def on_tls_errors(view, failing_uri, certificate, errors):
        host = GLib.Uri.parse(failing_uri, GLib.UriFlags.NONE).get_host()
        if ca is not None and certificate.verify(Gio.NetworkAddress.new(host, 0), ca) == 0:
            context.allow_tls_certificate_for_host(certificate, host)
            view.load_uri(failing_uri)
            return True
        print(f"TLS errors {errors} for {failing_uri}: not the run's CA", file=sys.stderr, flush=True)
        return False

    view.connect("load-failed-with-tls-errors", on_tls_errors)

    # The page failing to load is said on stderr (it reaches the report) and
    # tried again a few times: a case whose page never ran made no request
    # and printed nothing, which says nothing about WebKit's EventSource.
    page_url = sys.argv[1]
    state = {"committed": False, "tries": 0}

    def load_again(why):
        if state["committed"] or state["tries"] >= LOAD_TRIES:
            print(f"page: {why}; not tried again", file=sys.stderr, flush=True)
            return False
        state["tries"] += 1
        print(f"page: {why}; loading it again ({state['tries']} of {LOAD_TRIES})", file=sys.stderr, flush=True)
        view.load_uri(page_url)
        return False

    def on_load_changed(_view, event):
        if event == WebKit2.LoadEvent.COMMITTED:
            state["committed"] = True

    def on_load_failed(_view, _event, failing_uri, error):
        if error.matches(WebKit2.NetworkError.quark(), WebKit2.NetworkError.CANCELLED):
            return False
        GLib.timeout_add(RETRY_AFTER_MS, load_again, f"{failing_uri} failed to load: {error.message}")
        return True

    def on_terminated(_view, reason):
        # Loaded or not, the page is gone: say so (the case then fails on
        # what is missing); load it again only if it never ran.
        print(f"page: the web process ended ({reason.value_nick})", file=sys.stderr, flush=True)
        load_again("the web process ended before the page was loaded")

    def watchdog():
        if not state["committed"]:
            load_again(f"the page was not loaded within {WATCHDOG_S} s")
        return False

    view.connect("load-changed", on_load_changed)
    view.connect("load-failed", on_load_failed)
    view.connect("web-process-terminated", on_terminated)

    def on_stdin(channel, condition):
        line = channel.readline() if condition & GLib.IOCondition.IN else ""
        if not line:
            Gtk.main_quit()
            return False
        if line.strip() == "close":
            view.evaluate_javascript("window.ssecheckClose()", -1, None, None, None, None, None)
        return True

    stdin = GLib.IOChannel.unix_new(0)
    GLib.io_add_watch(stdin, GLib.PRIORITY_HIGH, GLib.IOCondition.IN | GLib.IOCondition.HUP, on_stdin)

    window = Gtk.Window()
    window.set_default_size(800, 600)
    window.add(view)
    window.show_all()
    view.load_uri(page_url)
    GLib.timeout_add_seconds(WATCHDOG_S, watchdog)
    Gtk.main()


if __name__ == "__main__":
    main()
