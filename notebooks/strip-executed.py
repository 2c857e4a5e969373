#!/usr/bin/env python3
"""Copies executed notebooks (nbconvert's, from notebooks/target/executed/) over the committed ones,
keeping their outputs (tables, SVG charts, printed results) so that a reader sees them without running
anything, and leaving out what is of the machine that ran them, not of the notebook:

- what the cells logged on stderr (log lines of the machine that ran them: its CPU, BLAS, Spark's
  warnings), keeping what they print and display;
- nbconvert's per-cell execution timestamps (metadata.execution) and the kernel's language_info
  details beyond the language's name;
- absolute paths: the repository root becomes "." (the notebooks run from notebooks/, so their own
  paths are relative, but Spark and Java messages may quote absolute ones), the user's home "~",
  the temporary directory "$TMPDIR";
- then refuses (exit 2, naming the notebook and the text) to write a notebook whose outputs still hold
  an absolute path under /home, /root, /tmp or /work, or something shaped like a credential.

Usage: strip-executed.py REPO_ROOT EXECUTED.ipynb... (bin/refresh-notebooks runs it).
"""
import json
import os
import re
import sys
import tempfile

FORBIDDEN = [
    (re.compile(r"(?<![\w.])/(home|root|tmp|work)/[\w.-]+"), "an absolute path of the machine"),
    (re.compile(r"AKIA[0-9A-Z]{16}"), "an AWS access key id"),
    (re.compile(r"(?i)(password|passwd|secret|token|api[_-]?key)\s*[=:]\s*\S{6,}"), "a credential"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
]


def replacements(root):
    out = []
    for path, label in ((os.path.realpath(root), "."), (os.path.abspath(root), "."),
                        (os.path.expanduser("~"), "~"), (tempfile.gettempdir(), "$TMPDIR")):
        if path and path != "/" and (path, label) not in out:
            out.append((path.rstrip("/"), label))
    return sorted(out, key=lambda p: -len(p[0]))  # the longest first: the root before the home


def clean_text(text, subs):
    for path, label in subs:
        text = text.replace(path + "/", label + "/").replace(path, label)
    return text


def clean(node, subs):
    if isinstance(node, str):
        return clean_text(node, subs)
    if isinstance(node, list):
        return [clean(v, subs) for v in node]
    if isinstance(node, dict):
        return {k: clean(v, subs) for k, v in node.items()}
    return node


def strip(nb, subs):
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("execution", None)
        if "outputs" in cell:
            kept = [o for o in cell["outputs"] if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            cell["outputs"] = clean(kept, subs)
    info = nb.get("metadata", {}).get("language_info")
    if isinstance(info, dict):
        nb["metadata"]["language_info"] = {"name": info.get("name", "java")}
    return nb


def problems(nb):
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        text = json.dumps(cell.get("outputs", []))
        for pattern, what in FORBIDDEN:
            m = pattern.search(text)
            if m:
                found.append(f"cell {i}: {what}: {m.group(0)!r}")
    return found


def main(argv):
    if len(argv) < 3:
        print("usage: strip-executed.py REPO_ROOT EXECUTED.ipynb...", file=sys.stderr)
        return 2
    root = argv[1]
    subs = replacements(root)
    for executed in argv[2:]:
        with open(executed, encoding="utf-8") as f:
            nb = strip(json.load(f), subs)
        bad = problems(nb)
        if bad:
            print(f"strip-executed: error: {executed}: " + "; ".join(bad), file=sys.stderr)
            return 2
        target = os.path.join(root, "notebooks", os.path.basename(executed))
        tmp = target + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(nb, f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, target)  # whole or not at all
        print(f"{target}: {sum(len(c.get('outputs', [])) for c in nb['cells'])} outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
