"""import minigrad makes its process-wide settings (minigrad/_process.py) unless told not to, and
leaves a value the user set alone."""
import os
import subprocess
import sys

SETTINGS = ("OPENBLAS_THREAD_TIMEOUT", "OMP_WAIT_POLICY")
PROGRAM = "import os, minigrad; print(' '.join(os.environ.get(n, '-') for n in %r))" % (SETTINGS,)


def settings_after_import(**env) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS + ("MINIGRAD_NO_PROCESS_SETTINGS",)}
    out = subprocess.run([sys.executable, "-c", PROGRAM], env={**clean, **env}, capture_output=True,
                         text=True, timeout=120, check=True)
    return out.stdout.split()


def test_import_minigrad_makes_the_settings():
    assert settings_after_import() == ["20", "PASSIVE"]


def test_the_users_own_values_win():
    assert settings_after_import(OPENBLAS_THREAD_TIMEOUT="8", OMP_WAIT_POLICY="ACTIVE") == ["8", "ACTIVE"]


def test_one_variable_turns_every_setting_off():
    assert settings_after_import(MINIGRAD_NO_PROCESS_SETTINGS="1") == ["-", "-"]


def test_the_numba_cache_guard_is_installed_when_the_numba_kernels_load():
    code = ("import minigrad.kernels.numba_impl._config; from numba.core import caching; "
            "print(getattr(caching.IndexDataCacheFile, '_minigrad_guarded', False))")
    for opt_out, expected in (("0", "True"), ("1", "False")):
        out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, MINIGRAD_NO_PROCESS_SETTINGS=opt_out),
                             capture_output=True, text=True, timeout=300, check=True)
        assert out.stdout.strip() == expected
