"""Takes a second to import, then fails: the server must not have bound its port meanwhile, and must exit non-zero."""
import time

time.sleep(1.0)
raise RuntimeError("import failed on purpose")
