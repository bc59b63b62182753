"""Writes report_gold.docx, the document local-writer-report expects (python-docx).

    python benchmarks/tasks/local/examples/libreoffice_writer/local-writer-report/make_gold.py

The task's setup builds the starting document the same way inside the desktop (a
"Draft report" heading and two paragraphs); the gold has the new title and the
added last paragraph. compare_docx_files compares paragraph text only.
"""

from pathlib import Path

import docx

HERE = Path(__file__).resolve().parent


def main() -> None:
    doc = docx.Document()
    doc.add_heading("Final report", 1)
    doc.add_paragraph("Sales grew in the third quarter.")
    doc.add_paragraph("Costs stayed flat.")
    doc.add_paragraph("Approved by the board.")
    doc.save(HERE / "report_gold.docx")


if __name__ == "__main__":
    main()
