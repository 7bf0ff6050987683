"""Dependencies: declared by purpose in pyproject.toml, locked with hashes, and the production
image installs the runtime lock alone."""

import re
import shlex
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = ROOT / "requirements.txt"
TEST_LOCK = ROOT / "requirements" / "test.txt"
DEV_LOCK = ROOT / "requirements" / "dev.txt"
# What only tests and developers use; none of it belongs in the production image.
TOOLS = {
    "pytest",
    "pytest-xdist",
    "hypothesis",
    "schemathesis",
    "playwright",
    "ruff",
    "mypy",
    "pre-commit",
    "uv",
    "pyyaml",
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, str]:
    """Package → version of every pin in a lock file; each must carry its hashes."""
    found = {}
    text = lock.read_text()
    for entry in re.split(r"\n(?=\S)", text):
        match = PIN.match(entry)
        if match:
            assert "--hash=sha256:" in entry, f"{lock.name}: {match.group(1)} has no hash"
            found[normalise(match.group(1))] = match.group(2)
    return found


def declared(requirements: list) -> set[str]:
    names = set()
    for requirement in requirements:
        if isinstance(requirement, str):
            names.add(normalise(re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0]))
    return names


def pip_install_files(dockerfile: str) -> list[str]:
    """The requirement files every `pip install` in the Dockerfile reads."""
    files = []
    for line in re.sub(r"\\\n", " ", dockerfile).splitlines():
        if line.startswith("RUN") and "pip install" in line:
            words = shlex.split(line[3:])
            assert all(not w.startswith(("-e", "git+", "http")) for w in words), line
            after_install = words[words.index("install") + 1 :]
            named = [w for w in after_install if not w.startswith("-")]
            flags = [w for w in after_install if w.startswith("-")]
            assert "--require-hashes" in flags, line
            files += [words[i + 1] for i, w in enumerate(words) if w in ("-r", "--requirement")]
            loose = [w for w in named if w not in files]
            assert not loose, f"packages installed outside the lock: {loose}"
    return files


def test_the_production_image_installs_the_runtime_lock_and_no_test_tool():
    files = pip_install_files((ROOT / "Dockerfile").read_text())

    assert files == ["requirements.txt"]
    image_packages = set(pins(RUNTIME_LOCK))
    assert image_packages, "the runtime lock is empty"
    assert not image_packages & TOOLS, f"test tools in the image: {image_packages & TOOLS}"


def test_the_runtime_lock_holds_what_pyproject_declares_for_production():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())

    runtime = declared(project["project"]["dependencies"])
    groups = project["dependency-groups"]

    assert runtime <= set(pins(RUNTIME_LOCK))
    assert declared(groups["test"]) <= set(pins(TEST_LOCK))
    assert declared(groups["test"]) | declared(groups["dev"]) <= set(pins(DEV_LOCK))
    assert not (declared(groups["test"]) | declared(groups["dev"])) & runtime


def test_every_lock_pins_a_shared_package_at_the_same_version():
    runtime, test, dev = pins(RUNTIME_LOCK), pins(TEST_LOCK), pins(DEV_LOCK)

    assert {name: test.get(name) for name in runtime} == runtime
    assert {name: dev.get(name) for name in test} == test
