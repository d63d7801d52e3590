"""py-flask (../py-flask/server.py) with the one line many tutorials add: a
comment yielded first, so WSGI sends the status and headers at once instead
of with the first event."""
import importlib.util
import pathlib

path = pathlib.Path(__file__).resolve().parent.parent / "py-flask" / "server.py"
spec = importlib.util.spec_from_file_location("py_flask_server", path)
server = importlib.util.module_from_spec(spec)
spec.loader.exec_module(server)
server.OPEN_COMMENT = True
server.main()
