"""WindowsAgentArena's Settings getters: the time zone, Night light, the wallpaper,
Storage Sense, notifications, read from the registry and `Get-TimeZone`.

Written from the behaviour of WAA's `getters/settings.py`, whose controller runs
`Get-ItemPropertyValue -Path KEY -Name VALUE` through the VM's command route and
parses its text: one line per value, one decimal byte per line for binary values.
Return values (and their quirks: "True"/"False" strings, noon shown as "00:.. PM")
are upstream's, since tasks compare them exactly.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from benchmarks.osworld.getters.context import EvalContext
from benchmarks.osworld.getters.windows import powershell, ps_quote

__all__ = [
    "desktop_background",
    "night_light_state",
    "parse_night_light",
    "registry_value",
    "storage_sense_run_frequency",
    "system_notifications",
    "system_timezone",
]

log = logging.getLogger(__name__)

NIGHT_LIGHT_KEY = (
    r"HKCU:\Software\Microsoft\Windows\CurrentVersion\CloudStore\Store\DefaultAccount"
    r"\Current\default$windows.data.bluelightreduction.settings"
    r"\windows.data.bluelightreduction.settings"
)
STORAGE_POLICY_KEY = r"HKCU:\Software\Microsoft\Windows\CurrentVersion\StorageSense\Parameters\StoragePolicy"
DESKTOP_KEY = r"HKCU:\Control Panel\Desktop"
NOTIFICATIONS_KEY = r"HKCU:\Software\Microsoft\Windows\CurrentVersion\PushNotifications"


def registry_value(ctx: EvalContext, key: str, name: str) -> str | None:
    """The text PowerShell prints for a registry value; None when it is absent."""
    out = powershell(ctx, f"Get-ItemPropertyValue -LiteralPath {ps_quote(key)} -Name {ps_quote(name)}")
    if out is None or out.returncode != 0:
        return None
    return out.output.replace("\r\n", "\n")


def system_timezone(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """The time zone's display name, e.g. "(UTC-08:00) Pacific Time (US & Canada)"."""
    out = powershell(ctx, "Get-TimeZone | Select-Object -Property DisplayName, StandardName | ConvertTo-Json")
    try:
        data = json.loads(out.output) if out is not None else {}
    except json.JSONDecodeError:
        return "Error getting the timezone"
    if data.get("DisplayName") and data.get("StandardName"):
        return str(data["DisplayName"])
    return "Unable to get time zone"


def _clock(hour: int, minute: int) -> str:
    # Upstream's generate_time: 12:xx shows as "00:xx PM"; kept, tasks compare strings.
    if hour < 12:
        return f"{hour:02d}:{minute:02d} AM"
    return f"{hour - 12:02d}:{minute:02d} PM"


def parse_night_light(text: str) -> bool | list[Any]:
    """Decode Night light's settings blob (one byte per line): byte 24 is 1 when it is
    on; byte 28 is the start hour (202: no schedule); a minute, when set, follows a
    marker byte, which shifts the end hour from byte 33 to 35."""
    b = [line.strip() for line in text.split("\n")]
    if len(b) <= 28 or b[24] != "1":
        return False
    start_hour = int(b[28])
    if start_hour == 202:
        return [True]
    start_minute = int(b[30]) if b[29] != "0" else 0
    end = 33 if start_minute == 0 else 35
    end_hour = int(b[end])
    end_minute = int(b[end + 2]) if b[end + 1] != "0" else 0
    return [True, _clock(start_hour, start_minute), _clock(end_hour, end_minute)]


def night_light_state(ctx: EvalContext, spec: dict[str, Any]) -> bool | list[Any]:
    """False when Night light is off, else [True] or [True, "07:00 PM", "07:00 AM"]."""
    text = registry_value(ctx, NIGHT_LIGHT_KEY, "Data")
    return parse_night_light(text) if text else False


def desktop_background(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """ "True" when no wallpaper picture is set (a plain colour background)."""
    text = registry_value(ctx, DESKTOP_KEY, "WallPaper")
    return "True" if (text or "").replace("\n", "") == "" else "False"


def storage_sense_run_frequency(ctx: EvalContext, spec: dict[str, Any]) -> str | None:
    """Storage Sense's run frequency in days ("1", "7", "30", "0" = low disk space),
    None when Storage Sense is off."""
    if (registry_value(ctx, STORAGE_POLICY_KEY, "01") or "").strip() != "1":
        return None
    text = registry_value(ctx, STORAGE_POLICY_KEY, "2048")
    return None if text is None else text.split("\n")[0].strip()


def system_notifications(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """ "True" when notifications are turned off (ToastEnabled = 0)."""
    text = registry_value(ctx, NOTIFICATIONS_KEY, "ToastEnabled")
    return "True" if (text or "").replace("\n", "").strip() == "0" else "False"
