// PythonRuntime: starts and stops the embedded CPython (Debian's 3.11) and runs code with the GIL held.
#pragma once

#include <string>
#include <vector>

typedef struct _object PyObject;

namespace updraft::py {

struct RuntimeOptions {
  std::string chdir;                    // --chdir: change directory and put it on sys.path
  std::vector<std::string> pythonpath;  // --pythonpath: prepended to sys.path
  std::string virtualenv;               // --virtualenv: a venv (pyvenv.cfg) the interpreter starts in
  bool freeze_loaded = true;            // --no-gc-freeze clears it: see freeze_loaded_objects()
};

// Initialises the interpreter without Python signal handlers, sets up sys.path,
// and returns with the GIL released. Throws std::runtime_error on failure.
void initialize(const RuntimeOptions& options);
// Takes the GIL back and finalises the interpreter.
void finalize();
// Call in a child right after fork() (the interpreter was initialised in the parent).
void after_fork_child();

// With the GIL held, once the app has loaded: gc.freeze(), unless RuntimeOptions::freeze_loaded is false. What the
// import made (a Django site's modules, settings and URL patterns: about 50,000 objects) is then left out of the cyclic
// collector's full collections, which otherwise stop every thread for 20-30 ms (a tail-latency spike for every request
// queued meanwhile) and last about 1.5 ms after it. Reference counting still frees those objects.
void freeze_loaded_objects();

// Seconds worker threads have spent waiting to take the GIL (entering Python, or back from a GilRelease).
double gil_wait_seconds();

// Holds the GIL for its lifetime (worker threads; any thread).
class Gil {
 public:
  Gil();
  ~Gil();
  Gil(const Gil&) = delete;
  Gil& operator=(const Gil&) = delete;

 private:
  int state_;
};

// Releases the GIL for its lifetime (around blocking waits); the GIL must be held.
class GilRelease {
 public:
  GilRelease();
  ~GilRelease();
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;

 private:
  void* saved_;
};

// With the GIL held and a Python error set: clears it and returns the formatted traceback.
std::string take_error_traceback();

}  // namespace updraft::py
