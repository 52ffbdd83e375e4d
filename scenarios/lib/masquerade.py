"""Copies an interpreter or tool under another name, for the masquerade axis.

usage: masquerade.py python|openssl|curl DEST
The copy is a real file (not a symlink) so the kernel reports DEST as the executable.
"""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import journal  # noqa: E402


def main():
    what, dest = sys.argv[1], sys.argv[2]
    if what == "python":
        # sys.executable may be a venv or pyenv shim path; the real binary keeps its library lookup.
        src = os.path.realpath(sys.executable)
    else:
        found = shutil.which(what)
        if not found:
            sys.stderr.write("masquerade: %s not found on PATH\n" % what)
            return 2
        src = os.path.realpath(found)
    shutil.copy2(src, dest)
    os.chmod(dest, 0o755)
    journal.log("note", {"masquerade": True, "original": src, "copy": dest})
    return 0


if __name__ == "__main__":
    sys.exit(main())
