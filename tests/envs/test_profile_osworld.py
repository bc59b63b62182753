"""The `osworld` desktop profile on real Xvfb desktops: what the OSWorld VM image provides.

One profile desktop serves the read-mostly checks; its baseline home is the cached one
(~/.cache/deskpilot/baseline, built on first use: about a minute on two cores).
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from envs.actions import Hotkey

PROFILE_TOOLS = (
    "Xvfb",
    "openbox",
    "xdotool",
    "wmctrl",
    "dbus-daemon",
    "bwrap",
    "gnome-terminal",
    "pulseaudio",
    "pactl",
    "gsettings",
    "dconf",
    "unshare",
)


@pytest.fixture(scope="module")
def osworld_desktop():
    from envs.profiles.osworld import chromium_binary

    missing = [t for t in PROFILE_TOOLS if shutil.which(t) is None]
    if chromium_binary() is None:
        missing.append("chromium")
    if missing:  # as require_desktop: a failure in CI, a skip elsewhere
        message = f"osworld profile tools missing: {', '.join(missing)} (run scripts/install-debian-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from envs.local import LocalDesktop

    with LocalDesktop(profile="osworld", start_timeout=60) as d:
        yield d


@pytest.fixture
def sh(osworld_desktop):
    client = osworld_desktop.client()

    def run(command: str):
        return client.execute(command, shell=True)

    yield run
    client.close()


def live(sh, name: str) -> list[str]:
    """Processes named `name` that still run (zombies left for the server to reap do not)."""
    out = sh("ps -eo stat=,comm=").output
    return [line for line in out.splitlines() if line.split()[-1] == name and "Z" not in line.split()[0]]


def test_user_home_bus_and_screen(osworld_desktop, sh):
    out = sh(
        'whoami; id -u; id -g; echo "$HOME"; echo "$DBUS_SESSION_BUS_ADDRESS"; '
        "test -S /run/user/1000/bus && echo bus-socket; test -f ~/.Xauthority && echo xauth"
    ).output
    user, uid, gid, home, bus, socket, xauth = out.split("\n")[:7]
    assert (user, uid, gid, home) == ("user", "1000", "1000", "/home/user")
    assert bus.startswith("unix:path=/run/user/1000/bus") and socket == "bus-socket" and xauth == "xauth"
    for folder in ("Desktop", "Documents", "Downloads", "Pictures", "Videos"):
        assert (osworld_desktop.home / folder).is_dir()
    assert osworld_desktop.client().screen_size() == (1920, 1080)


def test_sudo_wants_the_password_then_runs_as_root(sh):
    assert sh("sudo -k; sudo -n true").returncode != 0  # nothing cached: -n must not pass
    wrong = sh("sudo -k; echo wrong | sudo -S true")
    assert wrong.returncode != 0 and "incorrect password" in wrong.error
    right = sh("sudo -k; echo password | sudo -S whoami")
    assert right.returncode == 0 and right.output.strip() == "root"
    assert sh("sudo -n true").returncode == 0  # the password is remembered for a while
    assert "user" in sh("getent group sudo").output
    # Setups apt-install tools the image has: that succeeds when they are installed here.
    assert sh("echo password | sudo -S apt-get install -y jq && jq --version").returncode == 0
    assert sh("echo password | sudo -S apt-get install -y no-such-package-xyz").returncode != 0


def test_python_has_pyautogui(sh):
    out = sh('python -c "import pyautogui; print(pyautogui.size())"')
    assert out.returncode == 0, out.error
    assert "width=1920, height=1080" in out.output


def test_google_chrome_is_chromium_with_remote_debugging_and_pkill_chrome_stops_it(
    osworld_desktop, sh, until
):
    client = osworld_desktop.client()
    client.launch(["google-chrome", "--remote-debugging-port=1337"])
    probe = (
        'python -c "import urllib.request as u; '
        "print(u.urlopen('http://127.0.0.1:1337/json/version', timeout=2).read().decode())\""
    )
    version = until(
        lambda: (out := sh(probe)).returncode == 0 and out.output,
        timeout=60,
        what="Chromium's DevTools endpoint on port 1337",
    )
    assert '"Browser"' in version
    assert (osworld_desktop.home / ".config" / "google-chrome" / "Default").is_dir()
    assert live(sh, "chrome"), "the browser's process is named chrome"
    sh("pkill chrome")
    until(lambda: not live(sh, "chrome"), timeout=20, what="pkill chrome to stop Chromium")


def test_ctrl_alt_t_opens_gnome_terminal(osworld_desktop, sh, until):
    client = osworld_desktop.client()
    client.act([Hotkey(keys=["ctrl", "alt", "t"])])
    until(
        lambda: "gnome-terminal" in sh("wmctrl -lx").output.lower(),
        timeout=30,
        what="a gnome-terminal window after Ctrl+Alt+T",
    )
    client.close_window("gnome-terminal", by_class=True)
    until(lambda: "gnome-terminal" not in sh("wmctrl -lx").output.lower(), what="the terminal to close")


def test_gsettings_round_trip_through_dconf(osworld_desktop, sh):
    assert sh("gsettings set org.gnome.desktop.interface text-scaling-factor 1.25").returncode == 0
    assert sh("gsettings get org.gnome.desktop.interface text-scaling-factor").output.strip() == "1.25"
    assert (osworld_desktop.home / ".config" / "dconf" / "user").is_file()  # dconf, not memory
    out = sh(
        "export DBUS_SESSION_BUS_ADDRESS='unix:path=/run/user/1000/bus'\n"
        "gsettings get org.gnome.shell favorite-apps"
    )
    assert out.returncode == 0 and out.output.startswith("[")


def test_default_applications_are_ubuntus(sh):
    query = "xdg-mime query default {}".format
    assert sh(query("text/plain")).output.strip() == "org.gnome.gedit.desktop"
    assert sh(query("video/mp4")).output.strip() == "vlc.desktop"
    assert (
        sh(query("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).output.strip()
        == "libreoffice-calc.desktop"
    )


def test_pulseaudio_sink_at_half_volume(sh, until):
    until(lambda: sh("pactl info").returncode == 0, timeout=20, what="PulseAudio")
    assert "/run/user/1000/pulse/native" in sh("pactl info").output
    volume = sh("pactl list sinks | grep '^[[:space:]]Volume:' | head -n 1 | awk '{print $5}'").output
    assert volume.strip() == "50%"  # not 100 %: "turn the volume up" must have work to do


def test_plain_vlc_answers_on_the_web_interface_osworld_getters_read(sh, until):
    """OSWorld's vlc_playing_info reads http://localhost:8080/requests/status.xml with the
    password "password": the profile's vlcrc turns that interface on for a plain `vlc`."""
    sh("vlc --no-audio >/dev/null 2>&1 &")
    try:
        status = until(
            lambda: (
                "<root"
                in sh("curl -s -f --max-time 2 -u :password http://127.0.0.1:8080/requests/status.xml").output
            ),
            timeout=60,
            what="VLC's web interface",
        )
        assert status
        assert (
            sh(
                "curl -s -o /dev/null -w '%{http_code}' --max-time 2 -u :wrong "
                "http://127.0.0.1:8080/requests/status.xml"
            ).output.strip()
            == "401"
        )
    finally:
        sh("pkill -x vlc")
        until(lambda: not live(sh, "vlc"), timeout=20, what="VLC to exit")


def test_baseline_home_has_each_app_started_once(osworld_desktop):
    from envs.profiles.baseline import MANIFEST, baseline_home

    home = osworld_desktop.home
    vlcrc = home / ".config" / "vlc" / "vlcrc"
    assert vlcrc.is_file() and "qt-privacy-ask=0" in vlcrc.read_text()
    assert (home / ".config" / "google-chrome" / "Default" / "Preferences").is_file()
    assert (home / ".config" / "GIMP").is_dir()
    assert (home / ".config" / "libreoffice" / "4" / "user" / "registrymodifications.xcu").is_file()
    cached = baseline_home()
    assert not list(cached.rglob("Singleton*"))  # a running Chrome's locks are not copied along
    manifest = (cached.parent / MANIFEST).read_text()
    for app in ("chrome", "vlc", "gimp", "libreoffice"):
        assert f'"{app}"' in manifest


def test_two_profile_desktops_share_no_home_tmp_bus_or_loopback(osworld_desktop, sh, alive, until):
    from envs.local import LocalDesktop

    with LocalDesktop(1024, 768, profile="osworld", start_timeout=60) as other:
        until(lambda: other.client().execute("pactl info").ok, timeout=20, what="its PulseAudio")
        pids = other.pids()
        theirs = other.client()
        sh(
            "echo one > ~/mine.txt; echo one > /tmp/mine.txt; gsettings set org.gnome.desktop.session idle-delay 123"
        )
        out = theirs.execute(
            "ls ~/mine.txt /tmp/mine.txt; gsettings get org.gnome.desktop.session idle-delay", shell=True
        )
        assert "mine.txt" not in out.output and "123" not in out.output
        assert other.home != osworld_desktop.home and not (other.home / "mine.txt").exists()
        assert theirs.execute("whoami").output.strip() == "user"
        # Each has its own loopback: both browsers get the task's fixed port, each its own.
        desktops = (osworld_desktop, other)
        for n, d in enumerate(desktops):
            (d.home / f"mark-{n}.html").write_text(f"<title>mark-{n}</title>")
            d.client().launch(
                ["google-chrome", "--remote-debugging-port=1337", f"file:///home/user/mark-{n}.html"]
            )

        def tabs(d):
            return (
                d.client()
                .execute(["curl", "-sS", "--max-time", "3", "http://127.0.0.1:1337/json/list"])
                .output
            )

        for n, d in enumerate(desktops):
            listing = until(
                lambda d=d, n=n: next((t for t in [tabs(d)] if f"mark-{n}" in t), None),
                timeout=60,
                what=f"desktop {n}'s Chromium on port 1337 with its own tab",
            )
            assert f"mark-{1 - n}" not in listing
        sh("pkill chrome")
    assert alive(pids) == []  # its session bus, PulseAudio and dconf went with it


def test_the_baseline_is_built_once_under_a_lock(tmp_path):
    from envs.profiles.baseline import MANIFEST, baseline_home

    builds = []

    def build(home):
        builds.append(home)
        time.sleep(0.3)  # long enough for the second caller to arrive mid-build
        (home / ".config").mkdir(parents=True)
        (home / ".config" / "marker").write_text("x")
        return {"apps": {}}

    homes = []
    threads = [
        threading.Thread(target=lambda: homes.append(baseline_home(tmp_path, build=build))) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and homes[0] == homes[1]
    assert (homes[0] / ".config" / "marker").read_text() == "x"
    assert (homes[0].parent / MANIFEST).is_file()
    assert baseline_home(tmp_path, build=build) == homes[0] and len(builds) == 1


def test_bad_profile_requests_are_refused():
    from envs.local import LocalDesktop

    with pytest.raises(ValueError, match="unknown desktop profile"):
        LocalDesktop(profile="nope")
    with pytest.raises(ValueError, match="needs the sandbox"):
        LocalDesktop(profile="osworld", isolate=False)
