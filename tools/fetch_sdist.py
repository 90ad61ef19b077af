"""Download the source archive of one release from the package index, checked by its hash.

    python tools/fetch_sdist.py NAME VERSION DEST_DIR      # prints the archive's path

``tools/install.sh`` builds mmcv and xtcocotools from their source archives. ``pip download
--no-binary`` cannot fetch them on every Python: it first runs the archive's ``setup.py`` to
read its metadata, and xtcocotools 1.14.3's ``setup.py`` fails on Python 3.13 (the very bug
install.sh patches). This reads the index directly instead: the PEP 691 JSON page of the
project (the PEP 503 HTML page where an index serves no JSON), then the ``.tar.gz`` of the
release, whose sha256 must equal the index's. Standard library only, so it runs before
anything is installed.

The index is ``PIP_INDEX_URL`` if set, else pip's configured ``index-url``, else PyPI.
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from typing import List, Tuple

PYPI = 'https://pypi.org/simple'


def index_url() -> str:
    url = os.environ.get('PIP_INDEX_URL')
    if not url:
        try:
            url = subprocess.run([sys.executable, '-m', 'pip', 'config', 'get', 'global.index-url'],
                                 capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            url = ''
    return (url or PYPI).rstrip('/')


class _Links(HTMLParser):
    """The ``<a href>`` targets of a PEP 503 page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: List[Tuple[str, str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        href = dict(attrs).get('href')
        if tag == 'a' and href:
            self.links.append((href.rsplit('/', 1)[-1].split('#')[0], href))


def release_files(project: str) -> List[Tuple[str, str, str]]:
    """(file name, absolute URL, sha256 or '') of every file the index lists for ``project``."""
    page = f'{index_url()}/{re.sub(r"[-_.]+", "-", project).lower()}/'
    request = urllib.request.Request(page, headers={
        'Accept': 'application/vnd.pypi.simple.v1+json, text/html;q=0.1'})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
        kind = response.headers.get('Content-Type', '')
    if 'json' in kind:
        files = json.loads(body)['files']
        return [(f['filename'], urllib.parse.urljoin(page, f['url']),
                 f.get('hashes', {}).get('sha256', '')) for f in files]
    parser = _Links()
    parser.feed(body.decode())
    out = []
    for name, href in parser.links:
        digest = re.search(r'sha256=([0-9a-f]{64})', href)
        out.append((name, urllib.parse.urljoin(page, href.split('#')[0]),
                    digest.group(1) if digest else ''))
    return out


def fetch(project: str, version: str, dest: str) -> str:
    wanted = f'{project}-{version}.tar.gz'.lower().replace('_', '-')
    matches = [f for f in release_files(project) if f[0].lower().replace('_', '-') == wanted]
    if not matches:
        raise SystemExit(f'fetch_sdist: {index_url()} lists no {project}-{version}.tar.gz')
    name, url, sha256 = matches[0]
    os.makedirs(dest, exist_ok=True)
    path = os.path.join(dest, name)
    with urllib.request.urlopen(url, timeout=300) as response:
        data = response.read()
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise SystemExit(f'fetch_sdist: {url} does not match the sha256 the index gives')
    with open(path, 'wb') as f:
        f.write(data)
    return path


if __name__ == '__main__':
    if len(sys.argv) != 4:
        raise SystemExit(__doc__.strip().splitlines()[2].strip())
    print(fetch(*sys.argv[1:]))
