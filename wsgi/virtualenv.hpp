// Virtualenv: checks that a --virtualenv directory is a virtual environment (PEP 405) for the embedded Python.
#pragma once

#include <string>

namespace updraft::py {

// The interpreter path to start the embedded Python as, so that it takes `dir` (made absolute) as its virtual
// environment exactly as DIR/bin/python3 would: sys.prefix, the venv's site-packages, and the system's site-packages
// only when pyvenv.cfg says include-system-site-packages = true. Throws std::runtime_error, saying why, when dir has
// no pyvenv.cfg or was made for another Python version (major.minor) than the embedded one.
std::string virtualenv_interpreter(const std::string& dir);

}  // namespace updraft::py
