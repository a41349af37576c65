"""Make the book's package (`evidence/`) importable from the virtual environment.

Writes a `.pth` file into the environment's site-packages that puts the project root on
`sys.path`, so a notebook kernel (during the build, in tests, or in Jupyter) can
`import evidence` from any working directory. PYTHONPATH still takes precedence.
"""
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
pth = Path(sysconfig.get_paths()["purelib"]) / "fasoracetam-evidence-book.pth"
pth.write_text(f"{ROOT}\n", encoding="utf-8")
print(f"linked {ROOT} into {pth}")
