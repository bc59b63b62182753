"""Write cells into the open LibreOffice Calc document: runs INSIDE the desktop.

Run by agent/calc/cells.py with a Python that has LibreOffice's `uno` module (Debian's
python3-uno for /usr/bin/python3; LibreOffice's own bundled Python elsewhere), as
`python uno_cells.py PAYLOAD.json`. Standard library and `uno` only: the desktop's
Python may be a different version from the agent's. The payload is data (addresses,
typed values) checked by the agent; nothing in it is evaluated here. One JSON line on
stdout says what happened.

The running office is reached over a named UNO pipe. If it listens on none yet, a second
`soffice --accept=...` hands the argument to the running instance (the one that has the
same user profile), which then opens the acceptor: no restart, the document stays open.
A pipe (not a TCP port) because several desktops may share one network namespace: a pipe
lives in the desktop's own /tmp and its name is derived from its HOME and DISPLAY.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

CONNECT_TIMEOUT = 20.0
DOCUMENT_WAIT = 10.0
SPREADSHEET = "com.sun.star.sheet.SpreadsheetDocument"
CLEAR_FLAGS = 1 | 2 | 4 | 16  # VALUE | DATETIME | STRING | FORMULA (CellFlags)


class CellsError(Exception):
    """A problem the planner can act on; its text is the reply."""


def pipe_name():
    key = "{}:{}".format(os.environ.get("HOME", ""), os.environ.get("DISPLAY", ""))
    return "deskpilot_" + hashlib.sha1(key.encode()).hexdigest()[:12]


def office_running():
    pgrep = shutil.which("pgrep")
    if pgrep is None:  # cannot tell: try to connect anyway
        return True
    return (
        subprocess.run(
            [pgrep, "-x", "soffice.bin"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        ).returncode
        == 0
    )


def soffice_binary():
    for path in (
        shutil.which("soffice"),
        shutil.which("libreoffice"),
        "/usr/lib/libreoffice/program/soffice",
        "/opt/libreoffice/program/soffice",
    ):
        if path and os.path.exists(path):
            return path
    raise CellsError("LibreOffice's soffice program was not found on this desktop")


def connect():
    import uno
    from com.sun.star.connection import NoConnectException

    if not office_running():
        raise CellsError("LibreOffice is not running: open the spreadsheet in Calc first")
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    name = pipe_name()
    url = f"uno:pipe,name={name};urp;StarOffice.ComponentContext"
    try:
        return resolver.resolve(url)
    except NoConnectException:
        pass
    subprocess.run(
        [soffice_binary(), f"--accept=pipe,name={name};urp;"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while True:
        try:
            return resolver.resolve(url)
        except NoConnectException:
            if time.monotonic() > deadline:
                raise CellsError(
                    f"LibreOffice did not open a UNO connection within {CONNECT_TIMEOUT:g} s"
                ) from None
            time.sleep(0.2)


def title_of(doc):
    try:
        return doc.getTitle()
    except Exception:  # noqa: BLE001 - UNO raises its own classes; any will do here
        return os.path.basename(doc.getURL()) or "(untitled)"


def spreadsheets(desktop):
    found = []
    components = desktop.getComponents().createEnumeration()
    while components.hasMoreElements():
        doc = components.nextElement()
        if hasattr(doc, "supportsService") and doc.supportsService(SPREADSHEET):
            found.append(doc)
    return found


def pick_document(desktop, wanted):
    docs = spreadsheets(desktop)
    if not docs:
        raise CellsError("no spreadsheet is open in LibreOffice Calc: open the file first")
    if wanted:
        named = [
            d for d in docs if wanted.lower() in title_of(d).lower() or wanted.lower() in d.getURL().lower()
        ]
        if len(named) != 1:
            how_many = "no" if not named else "more than one"
            raise CellsError(
                f"{how_many} spreadsheet matches {wanted!r}; open ones: "
                + ", ".join(title_of(d) for d in docs)
            )
        return named[0]
    current = desktop.getCurrentComponent()
    if current is not None and current.supportsService(SPREADSHEET):
        return current
    if len(docs) == 1:
        return docs[0]
    open_ones = ", ".join(title_of(d) for d in docs)
    raise CellsError(f'several spreadsheets are open ({open_ones}): name one with "document"')


def pick_sheet(doc, name):
    sheets = doc.getSheets()
    controller = doc.getCurrentController()
    if name is None:
        return controller.getActiveSheet()
    if not sheets.hasByName(name):
        raise CellsError(
            f"no sheet named {name!r} in {title_of(doc)}; its sheets: " + ", ".join(sheets.getElementNames())
        )
    sheet = sheets.getByName(name)
    controller.setActiveSheet(sheet)  # the planner sees the sheet it wrote on
    return sheet


# Error codes of a formula Calc could not read (Err:501..510, #NAME? 525): the other grammar
# may read it. Codes from a formula that was read and computed (#DIV/0! 532, #VALUE! 519)
# are the sheet's answer, kept as they are.
PARSE_ERRORS = {501, 502, 503, 504, 507, 508, 509, 510, 525}


class Formulas:
    """Formulas as models write them: Excel's English function names, commas between
    arguments, Sheet2!A1 references. Calc's own API grammar (semicolons, Sheet2.A1) is
    the fallback, so a formula written the LibreOffice way works too."""

    def __init__(self, doc):
        from com.sun.star.sheet.AddressConvention import XL_A1
        from com.sun.star.sheet.FormulaLanguage import XL_ENGLISH
        from com.sun.star.sheet.FormulaMapGroup import ALL_EXCEPT_SPECIAL

        self.parser = doc.createInstance("com.sun.star.sheet.FormulaParser")
        mapper = doc.createInstance("com.sun.star.sheet.FormulaOpCodeMapper")
        self.parser.FormulaConvention = XL_A1
        self.parser.OpCodeMap = mapper.getAvailableMappings(XL_ENGLISH, ALL_EXCEPT_SPECIAL)

    def write(self, cell, formula):
        try:
            cell.setTokens(self.parser.parseFormula(formula, cell.getCellAddress()))
        except Exception:  # noqa: BLE001 - the parser's UNO errors: try Calc's own grammar
            cell.setFormula(formula)
            return
        if cell.getError() in PARSE_ERRORS:
            cell.setFormula(formula)
            if cell.getError() in PARSE_ERRORS:  # neither reads it: keep Excel's reading
                cell.setTokens(self.parser.parseFormula(formula, cell.getCellAddress()))


def write(cell, value, formulas):
    if value is None:
        cell.clearContents(CLEAR_FLAGS)
    elif isinstance(value, bool):
        cell.setFormula("=TRUE()" if value else "=FALSE()")
    elif isinstance(value, (int, float)):
        cell.setValue(value)
    elif value.startswith("="):
        formulas.write(cell, value)
    else:
        cell.setString(value[1:] if value.startswith("'=") else value)


def shown(cell):
    """What the cell shows now, and its error code if it is an error (Err:508, #NAME?...)."""
    error = cell.getError()
    return {"shows": cell.getString(), "error": error or None}


def main(payload_path):
    with open(payload_path, encoding="utf-8") as handle:
        payload = json.load(handle)
    ctx = connect()
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    deadline = time.monotonic() + DOCUMENT_WAIT
    while True:  # a file opened a moment ago may still be loading
        try:
            doc = pick_document(desktop, payload.get("document"))
            break
        except CellsError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    sheet = pick_sheet(doc, payload.get("sheet"))
    formulas = Formulas(doc)
    out = {}
    for address, value in payload["cells"]:
        write(sheet.getCellRangeByName(address), value, formulas)
    doc.calculateAll()
    for address, _ in payload["cells"]:
        out[address] = shown(sheet.getCellRangeByName(address))
    result = {"ok": True, "document": title_of(doc), "sheet": sheet.getName(), "cells": out}
    if payload.get("save"):
        if not doc.hasLocation() or doc.isReadonly():
            raise CellsError(
                f"the cells were written, but {title_of(doc)} has no file to save "
                "to (or is read-only): use Save As"
            )
        doc.store()  # to its own file, in the format it was opened in (.xlsx stays .xlsx)
        result["saved"] = doc.getURL()
    return result


if __name__ == "__main__":
    try:
        reply = main(sys.argv[1])
    except CellsError as exc:
        reply = {"ok": False, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - a UNO failure: say which; the planner can use the GUI
        reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(reply) + "\n")
