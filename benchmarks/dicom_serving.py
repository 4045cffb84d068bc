"""DICOM serving throughput: the Django WADO-RS endpoints (gunicorn) next to nginx serving the same files statically.

Usage::

    .venv/bin/python benchmarks/dicom_serving.py           # 4 x 64 x 512^2 study
    .venv/bin/python benchmarks/dicom_serving.py --quick   # 4 x 16 x 256^2, a few seconds

Both servers run in this run on the same machine and files; the client fetches every slice with N keep-alive
connections in parallel (one warm-up pass, then the timed passes). Figures: requests/s and MB/s of Django frames
(multipart/related, permission check + session per request), Django instances (Part-10 FileResponse) and nginx
(sendfile, no checks), and the ratios Django/nginx. nginx is the Debian package, started with a temporary config on
a free localhost port.
"""
from __future__ import annotations

import argparse
import http.client
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import viewer_setup  # benchmarks/ is sys.path[0] when run as a script

NGINX_CONF = """
worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types {{ application/dicom dcm; }}
  default_type application/octet-stream;
  client_body_temp_path {work}/nginx-body;
  proxy_temp_path {work}/nginx-proxy;
  fastcgi_temp_path {work}/nginx-fastcgi;
  uwsgi_temp_path {work}/nginx-uwsgi;
  scgi_temp_path {work}/nginx-scgi;
  server {{
    listen 127.0.0.1:{port};
    location /files/ {{ alias {media}/; }}
  }}
}}
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 x 16 x 256^2 instead of 4 x 64 x 512^2")
    parser.add_argument("--connections", type=int, default=8, help="parallel keep-alive connections")
    parser.add_argument("--passes", type=int, help="timed passes over all slices (default 3, quick 2)")
    parser.add_argument("--jpegls", action="store_true", help="store the study JPEG-LS compressed")
    return parser.parse_args()


class Nginx:
    def __init__(self, work: Path, media: Path):
        self.port = viewer_setup.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        conf = work / "nginx.conf"
        conf.write_text(NGINX_CONF.format(work=work, port=self.port, media=media))
        self.log = work / "nginx-error.log"
        self.proc = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-p", str(work),
                                      "-g", "daemon off;"], start_new_session=True, stderr=subprocess.STDOUT,
                                     stdout=open(work / "nginx.out", "ab"))
        viewer_setup.wait_for_http(self.url + "/files/", self.proc, self.log)

    def stop(self) -> None:
        viewer_setup.stop_process_group(self.proc)


def fetch_all(port: int, paths: list[str], connections: int, headers: dict[str, str]) -> tuple[float, int]:
    """Fetch every path once over ``connections`` keep-alive connections; return (seconds, bytes)."""
    chunks = [paths[i::connections] for i in range(connections)]

    def worker(chunk: list[str]) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        received = 0
        for path in chunk:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {path}: HTTP {response.status}")
            received += len(body)
        conn.close()
        return received

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        total = sum(pool.map(worker, chunks))
    return time.perf_counter() - started, total


def measure(name: str, port: int, paths: list[str], args, headers: dict[str, str]) -> dict:
    fetch_all(port, paths, args.connections, headers)  # warm-up: page cache, metadata caches, connections
    runs = [fetch_all(port, paths, args.connections, headers) for _ in range(args.passes)]
    seconds = min(r[0] for r in runs)
    size = runs[0][1]
    result = {"name": name, "rps": len(paths) / seconds, "mbps": size / seconds / 1e6, "seconds": seconds}
    print(f"  {name:<34} {result['rps']:8.0f} req/s {result['mbps']:8.1f} MB/s  ({len(paths)} requests in "
          f"{seconds:.2f} s, best of {args.passes})")
    return result


def main() -> None:
    args = parse_args()
    size, slices = (256, 16) if args.quick else (512, 64)
    args.passes = args.passes or (2 if args.quick else 3)
    work = Path(tempfile.mkdtemp(prefix="bench-dicom-serving-"))
    work.chmod(0o755)  # nginx workers run as an unprivileged user when started by root
    viewer_setup.configure_django(work)
    original, created = viewer_setup.create_database()
    servers = []
    try:
        study = viewer_setup.make_study(work, size=size, slices=slices, compressed=args.jpegls)
        cookie_name, cookie = viewer_setup.session_cookie()
        servers.append(viewer_setup.Gunicorn(work))
        servers.append(Nginx(work, study.media))
        django_port, nginx_port = servers[0].port, servers[1].port
        auth = {"Cookie": f"{cookie_name}={cookie}"}
        print(f"DICOM serving: 4 x {slices} x {size}^2 ({study.total_bytes / 1e6:.1f} MB), "
              f"{args.connections} connections; gunicorn 2 workers x 4 threads, "
              f"DB_CONN_MAX_AGE={servers[0].conn_max_age}; nginx 2 workers")
        nginx = measure("nginx static files", nginx_port, [f"/files/{p}" for p in study.file_paths], args, {})
        frames = measure("Django WADO-RS frames (multipart)", django_port, study.frame_urls, args,
                         {**auth, "Accept": "multipart/related; type=application/octet-stream; transfer-syntax=*"})
        instances = measure("Django WADO-RS instances (P10)", django_port, study.instance_urls, args, auth)
        print(f"  ratio frames/nginx    {frames['rps'] / nginx['rps']:.2f} (requests/s)")
        print(f"  ratio instances/nginx {instances['rps'] / nginx['rps']:.2f} (requests/s)")
    finally:
        for server in servers:
            server.stop()
        viewer_setup.destroy_database(original, created)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
