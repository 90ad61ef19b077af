"""Install hrnet_ext. Use ``bash tools/install.sh`` for the whole stack.

``pip install -e .`` installs this package only: torch, mmcv (built from
source with its ops) and mmpose (without chumpy) need the care that
``tools/install.sh`` takes, so they are not declared as hard requirements here.
"""
import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_version() -> str:
    text = (HERE / 'hrnet_ext' / 'version.py').read_text()
    return re.search(r"__version__ = '([^']+)'", text).group(1)


def read_requirements(name: str) -> list:
    lines = (HERE / 'requirements' / name).read_text().splitlines()
    return [ln.split('#')[0].strip() for ln in lines
            if ln.split('#')[0].strip() and not ln.startswith('-')]


setup(
    name='hrnet_ext',
    version=read_version(),
    description='HRNet (Sun et al., CVPR 2019) for MMPose / MMEngine',
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10,<3.14',
    packages=find_packages(include=['hrnet_ext', 'hrnet_ext.*']),
    include_package_data=True,
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'tests': read_requirements('tests.txt'),
        'onnx': read_requirements('onnx.txt'),
    },
    zip_safe=False,
)
