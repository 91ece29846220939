"""A Docker-compatible engine and an OCI registry for the image-build tests, started per session.

* Podman's API service (``podman system service``) on a private unix socket, with private
  ``CONTAINERS_CONF`` (runc, cgroupfs, no cgroups: works in containers and VMs without systemd),
  ``CONTAINERS_REGISTRIES_CONF`` (the local registry is insecure: plain HTTP), chroot isolation
  for builds, and its own storage (``~/.cache/devops-orchestra-ci/podman/<session>``, removed
  at the end; a killed session's is removed by the next).
* Debian's ``docker-registry`` on 127.0.0.1 and a free port, storing in the temporary folder;
  a second one that wants an htpasswd login.
* A base image imported once into Podman from a Debian rootfs made with ``debootstrap`` (python3
  and venv, nodejs: what the Python and Node templates need). The rootfs tarball is cached between runs in
  ``~/.cache/devops-orchestra-ci/`` (``ORCHESTRA_CI_CACHE``): debootstrap takes minutes.

Nothing here is skipped: a missing tool fails with a message saying to run ``.ci/run``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import bcrypt
import docker
import httpx

from .redis_server import free_port
from .wait import eventually_sync

TOOLS = ("podman", "runc", "debootstrap", "docker-registry")
SUITE = "bookworm"
MIRROR = os.environ.get("ORCHESTRA_DEBIAN_MIRROR", "http://deb.debian.org/debian")
ROOTFS_PACKAGES = ("python3", "python3-venv", "ca-certificates", "nodejs")
BASE_IMAGE = "localhost/orchestra-test/base:bookworm"
"""What ``ARG BASE_IMAGE`` of the Python and Node templates points at in the tests (Debian's
nodejs without npm: enough for a Node service that declares no dependencies)."""
DEBOOTSTRAP_TIMEOUT_S = 1200
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
REGISTRY_LOGIN = ("orchestra", "registry-pass-7f3a9c")
"""The private registry's login; tests check the password never reaches a record or a log."""

CONTAINERS_CONF = """\
[containers]
cgroups = "disabled"
netns = "host"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""

REGISTRY_CONF = """\
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
  secret: orchestra-tests-only
"""


def ci_cache() -> Path:
    return Path(os.environ.get("ORCHESTRA_CI_CACHE") or Path.home() / ".cache" / "devops-orchestra-ci")


def require_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} not installed: the image-build tests need Podman, runc, "
            "debootstrap and Debian's docker-registry; run .ci/run (it installs them), "
            "or see DEVELOPERS.md"
        )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rootfs_tarball() -> Path:
    """A Debian ``minbase`` rootfs with python3, venv and nodejs as a tarball, made once and cached.

    The host's CA bundle goes in (and pip is told to use it), so that ``pip install`` inside
    builds trusts what the host trusts (a TLS-inspecting proxy's CA, for instance)."""
    key = hashlib.sha256(
        "\n".join([SUITE, MIRROR, *ROOTFS_PACKAGES, HOST_CA_BUNDLE.read_text(errors="replace")]).encode()
    ).hexdigest()[:12]
    tarball = ci_cache() / f"rootfs-{SUITE}-{key}.tar"
    if tarball.is_file():
        return tarball
    with _locked(tarball.with_suffix(".lock")):
        if tarball.is_file():
            return tarball
        with tempfile.TemporaryDirectory(prefix="orchestra-rootfs-", dir=ci_cache()) as tmp:
            rootfs = Path(tmp) / "rootfs"
            args = ["debootstrap", "--variant=minbase", f"--include={','.join(ROOTFS_PACKAGES)}"]
            made = subprocess.run(
                [*args, SUITE, str(rootfs), MIRROR],
                capture_output=True,
                text=True,
                timeout=DEBOOTSTRAP_TIMEOUT_S,
                check=False,
            )
            if made.returncode != 0:
                raise RuntimeError(
                    f"debootstrap failed ({made.returncode}):\n{made.stdout[-3000:]}{made.stderr}"
                )
            shutil.copyfile(HOST_CA_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
            (rootfs / "etc/pip.conf").write_text("[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n")
            for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for item in (rootfs / cache).glob("*"):
                    if item.is_file():
                        item.unlink()
            partial = tarball.with_suffix(".partial")
            subprocess.run(["tar", "-C", str(rootfs), "-cf", str(partial), "."], check=True, timeout=600)
            partial.rename(tarball)
    return tarball


@dataclass
class Registry:
    """Debian's docker-registry (distribution 2.x) on 127.0.0.1 and a free port."""

    workdir: Path
    credentials: tuple[str, str] | None = None
    """(user, password) of an htpasswd (bcrypt) login the registry requires, if any."""
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "registry.yml"
        text = REGISTRY_CONF.format(root=self.workdir / "data", port=self.port)
        if self.credentials:
            user, password = self.credentials
            hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
            (self.workdir / "htpasswd").write_text(f"{user}:{hashed}\n")
            text += f"auth:\n  htpasswd:\n    realm: orchestra-tests\n    path: {self.workdir / 'htpasswd'}\n"
        config.write_text(text)
        with (self.workdir / "registry.log").open("wb") as log:
            self.proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=log, stderr=log)

        def answers() -> bool:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"docker-registry exited:\n{(self.workdir / 'registry.log').read_text()}")
            try:
                return httpx.get(f"http://{self.host}/v2/", timeout=1).status_code in (200, 401)
            except httpx.HTTPError:
                return False

        eventually_sync(answers, timeout=30, what=f"docker-registry answers on {self.host}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


@dataclass
class PodmanService:
    """``podman system service`` on a private socket, with private config and storage."""

    workdir: Path
    registries: list[str]
    proc: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return self.workdir / "podman.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "CONTAINERS_CONF": str(self.workdir / "containers.conf"),
            "CONTAINERS_REGISTRIES_CONF": str(self.workdir / "registries.conf"),
            "BUILDAH_ISOLATION": "chroot",
        }

    @property
    def storage(self) -> Path:
        """Images, layers and Podman's state for this session, outside pytest's temporary
        folders (whose clean-up cannot remove the overlay driver's mount); removed on stop, and
        a dead session's left-overs are removed by the next one (see :func:`sweep_storage`)."""
        return storage_parent() / f"{os.getpid()}-{self.workdir.parent.name}"

    @property
    def runroot(self) -> Path:
        """Podman wants its run root shorter than 50 characters: a short folder in /tmp."""
        return Path(tempfile.gettempdir()) / f"orchestra-podman-{os.getpid()}"

    def podman(self, *args: str) -> list[str]:
        root = self.storage / "root"
        return ["podman", "--root", str(root), "--runroot", str(self.runroot), *args]

    def start(self) -> None:
        sweep_storage()
        self.storage.mkdir(parents=True)
        (self.storage / "owner").write_text(str(os.getpid()))
        (self.storage / "runroot").write_text(str(self.runroot))
        (self.workdir / "containers.conf").write_text(CONTAINERS_CONF)
        insecure = "".join(f'\n[[registry]]\nlocation = "{r}"\ninsecure = true\n' for r in self.registries)
        (self.workdir / "registries.conf").write_text(f"unqualified-search-registries = []\n{insecure}")
        with (self.workdir / "podman.log").open("wb") as log:
            argv = self.podman("system", "service", "--time=0", self.url)
            self.proc = subprocess.Popen(argv, env=self.env, stdout=log, stderr=log)

        def answers() -> bool:
            if self.proc is None or self.proc.poll() is not None:
                log = (self.workdir / "podman.log").read_text()
                raise RuntimeError(f"podman system service exited:\n{log}")
            if not self.socket.exists():
                return False
            try:  # the client asks the engine's API version as it is made
                client = docker.DockerClient(base_url=self.url, timeout=5)
            except (docker.errors.DockerException, OSError):
                return False
            try:
                return bool(client.ping())
            except (docker.errors.DockerException, OSError):
                return False
            finally:
                client.close()

        eventually_sync(answers, timeout=60, what=f"podman answers on {self.socket}")

    def import_image(self, tarball: Path, name: str) -> None:
        done = subprocess.run(
            self.podman("import", str(tarball), name),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"podman import failed:\n{done.stderr}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None
        remove_storage(self.storage)


def storage_parent() -> Path:
    return ci_cache() / "podman"


def remove_storage(folder: Path) -> None:
    """Unmount what Podman mounted under ``folder`` (deepest first), then delete it."""
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for point in sorted((m for m in mounts if m.startswith(f"{folder}/")), key=len, reverse=True):
        subprocess.run(["umount", point], check=False, timeout=60, capture_output=True)
    runroot = folder / "runroot"
    if runroot.is_file():
        shutil.rmtree(runroot.read_text().strip(), ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_storage() -> None:
    """Remove the storage of sessions whose process is gone (killed before their clean-up)."""
    parent = storage_parent()
    for folder in parent.iterdir() if parent.is_dir() else ():
        owner = folder / "owner"
        text = owner.read_text().strip() if owner.is_file() else ""
        if not text.isdigit() or not _alive(int(text)):
            remove_storage(folder)


@dataclass(frozen=True)
class ImageEngine:
    """What the tests get: an engine URL for ``DOCKER_HOST``, a registry and a base image."""

    docker_host: str
    registry: str
    base_image: str
    private_registry: str
    """A registry that wants :data:`REGISTRY_LOGIN` (htpasswd)."""


@contextlib.contextmanager
def image_engine(workdir: Path) -> Iterator[ImageEngine]:
    """Podman's API service with the base image, and a registry; stopped on exit."""
    require_tools()
    tarball = rootfs_tarball()
    registry = Registry(workdir / "registry")
    private = Registry(workdir / "private-registry", REGISTRY_LOGIN)
    podman = PodmanService(workdir / "podman", [registry.host, private.host])
    podman.workdir.mkdir(parents=True, exist_ok=True)
    try:
        registry.start()
        private.start()
        podman.start()
        podman.import_image(tarball, BASE_IMAGE)
        yield ImageEngine(podman.url, registry.host, BASE_IMAGE, private.host)
    finally:
        podman.stop()
        registry.stop()
        private.stop()
