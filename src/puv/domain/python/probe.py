"""The interpreter probe: a stdlib-only script run inside a target interpreter.

It prints one JSON object with the facts puv needs about that interpreter:
version and implementation, the PEP 508 marker environment, the raw inputs
for PEP 425 tags (ABI flags, platform, pointer size, libc), the sysconfig
install paths and whether it runs inside a PEP 405 virtual environment.

The script is written in the oldest syntax it may meet (no f-strings, no
annotations) so that an interpreter too old for puv (2.7, 3.6, 3.7) still
answers with its version and can be rejected with a clear reason instead of
a syntax error. Tags themselves are computed by puv (see ``tags.py``) from
these facts, never from puv's own interpreter.

Bump ``PROBE_VERSION`` whenever the script's output changes: cached answers
from an older probe are then ignored. Run it as ``python -E -s -c PROBE_SOURCE``
(``-I`` is unknown to 2.7); its first line drops the working directory from
``sys.path`` so a stray ``json.py`` there cannot shadow the standard library.
"""

from __future__ import annotations

PROBE_VERSION = 1

PROBE_SOURCE = r'''
import sys
sys.path[:] = [entry for entry in sys.path if entry]
import json
import os
import platform
import struct
import sysconfig


def glibc_version():
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, OSError, ValueError):
        return None
    if not text:
        return None
    parts = text.split()
    if len(parts) != 2 or parts[0] != "glibc":
        return None
    numbers = parts[1].split(".")
    try:
        return [int(numbers[0]), int(numbers[1])]
    except (IndexError, ValueError):
        return None


def musl_version():
    if not sys.platform.startswith("linux"):
        return None
    host = sysconfig.get_config_var("HOST_GNU_TYPE") or ""
    if "musl" not in host:
        return None
    import glob
    import subprocess
    for loader in sorted(glob.glob("/lib/ld-musl-*.so.1")):
        try:
            proc = subprocess.Popen([loader], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = proc.communicate()
        except OSError:
            continue
        for line in (out + err).decode("utf-8", "replace").splitlines():
            line = line.strip()
            if line.startswith("Version "):
                numbers = line.split()[1].split(".")
                try:
                    return [int(numbers[0]), int(numbers[1])]
                except (IndexError, ValueError):
                    return None
    return None


def full_version(info):
    text = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        text += info.releaselevel[0] + str(info.serial)
    return text


def read_home(prefix):
    try:
        handle = open(os.path.join(prefix, "pyvenv.cfg"))
    except (IOError, OSError):
        return None
    try:
        for line in handle:
            key, sep, value = line.partition("=")
            if sep and key.strip().lower() == "home":
                return value.strip()
    finally:
        handle.close()
    return None


def base_executable(is_venv):
    found = getattr(sys, "_base_executable", None) or sys.executable
    if not is_venv:
        return found
    prefix = os.path.abspath(sys.prefix)
    inside = os.path.abspath(found).startswith(prefix + os.sep)
    if found and not inside and os.path.isfile(found):
        return found
    home = read_home(prefix)
    dirs = [d for d in (home, os.path.join(sys.base_prefix, "bin")) if d]
    names = (
        "python%d.%d" % sys.version_info[:2],
        "python%d" % sys.version_info[0],
        "python",
    )
    for directory in dirs:
        for name in names:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                return candidate
    return found


def main():
    info = sys.version_info
    result = {
        "probe": PROBE_VERSION_VALUE,
        "version": full_version(info),
        "version_info": [info.major, info.minor, info.micro, info.releaselevel, info.serial],
        "implementation": sys.implementation.name if hasattr(sys, "implementation") else "cpython",
        "sys_executable": sys.executable,
    }
    if info[:2] < (3, 8):
        sys.stdout.write(json.dumps(result))
        return
    prefix = sys.prefix
    base_prefix = getattr(sys, "base_prefix", prefix)
    is_venv = os.path.abspath(prefix) != os.path.abspath(base_prefix)
    impl_version = full_version(sys.implementation.version)
    markers = {
        "implementation_name": sys.implementation.name,
        "implementation_version": impl_version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "python_version": "%d.%d" % info[:2],
        "sys_platform": sys.platform,
    }
    paths = sysconfig.get_paths()
    if is_venv:
        headers = os.path.join(prefix, "include", "site", "python%d.%d" % info[:2])
    else:
        headers = paths.get("include", "")
    result.update({
        "prefix": prefix,
        "base_prefix": base_prefix,
        "base_executable": base_executable(is_venv),
        "is_venv": is_venv,
        "markers": markers,
        "paths": {
            "purelib": paths.get("purelib", ""),
            "platlib": paths.get("platlib", ""),
            "scripts": paths.get("scripts", ""),
            "data": paths.get("data", ""),
            "include": paths.get("include", ""),
            "headers": headers,
            "stdlib": paths.get("stdlib", ""),
        },
        "pointer_size": struct.calcsize("P") * 8,
        "platform": sysconfig.get_platform(),
        "mac_version": platform.mac_ver()[0] if sys.platform == "darwin" else "",
        "glibc": glibc_version(),
        "musl": musl_version(),
        "debug": bool(sysconfig.get_config_var("Py_DEBUG")) or hasattr(sys, "gettotalrefcount"),
        "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "abiflags": getattr(sys, "abiflags", ""),
        "soabi": sysconfig.get_config_var("SOABI") or "",
    })
    sys.stdout.write(json.dumps(result))


main()
'''.replace("PROBE_VERSION_VALUE", str(PROBE_VERSION))
