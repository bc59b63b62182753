"""Getters: what an evaluator reads from the desktop (or from the task) before scoring.

Each getter is `getter(ctx, spec) -> value` (see `context.py`), where `spec` is the
evaluator's `result` or `expected` dict, as in OSWorld's `get_<type>(env, config)`.
The modules hold them by subject:

- files.py: files from the desktop, beside the task, from the asset cache, saved
  by postconfig steps
- system.py: command output, the terminal, the accessibility tree, screen and
  window sizes, the wallpaper, the default video player
- rules.py: the task's own rules, relative dates made absolute
- impress.py, vlc.py, gimp.py: those applications
- chrome.py (tabs and pages over DevTools, with chrome_page.py and
  chrome_html.py), chrome_profile.py (the profile's files)

`GETTERS` maps the `type` a task's evaluator names to its getter; a getter exists
for the evaluator only once it is listed here.
"""

from __future__ import annotations

from benchmarks.osworld.getters import (
    chrome,
    chrome_profile,
    files,
    gimp,
    impress,
    rules,
    system,
    vlc,
)
from benchmarks.osworld.getters.context import EvalContext, EvalDesktop, Getter

__all__ = ["GETTERS", "EvalContext", "EvalDesktop", "Getter"]

GETTERS: dict[str, Getter] = {
    # files.py
    "cache_file": files.cache_file,
    "cloud_file": files.cloud_file,
    "content_from_vm_file": files.content_from_vm_file,
    "list_directory": files.list_directory,
    "local_file": files.local_file,
    "vm_file": files.vm_file,
    # system.py
    "accessibility_tree": system.accessibility_tree,
    "default_video_player": system.default_video_player,
    "vm_command_error": system.vm_command_error,
    "vm_command_line": system.vm_command_line,
    "vm_screen_size": system.vm_screen_size,
    "vm_terminal_output": system.vm_terminal_output,
    "vm_wallpaper": system.vm_wallpaper,
    "vm_window_size": system.vm_window_size,
    # rules.py
    "rule": rules.rule,
    "rule_relativeTime": rules.rule_relative_time,
    # impress.py
    "audio_in_slide": impress.audio_in_slide,
    "background_image_in_slide": impress.background_image_in_slide,
    # vlc.py
    "vlc_config": vlc.vlc_config,
    "vlc_playing_info": vlc.vlc_playing_info,
    # gimp.py
    "gimp_config_file": gimp.gimp_config_file,
    # chrome.py
    "active_tab_html_parse": chrome.active_tab_html_parse,
    "active_tab_info": chrome.active_tab_info,
    "active_tab_url_parse": chrome.active_tab_url_parse,
    "active_url_from_accessTree": chrome.active_url_from_accessTree,
    "chrome_saved_address": chrome.chrome_saved_address,
    "open_tabs_info": chrome.open_tabs_info,
    "page_info": chrome.page_info,
    "pdf_from_url": chrome.pdf_from_url,
    "url_dashPart": chrome.url_dashPart,
    "url_path_parse": chrome.url_path_parse,
    # chrome_profile.py
    "bookmarks": chrome_profile.bookmarks,
    "chrome_appearance_mode_ui": chrome_profile.chrome_appearance_mode_ui,
    "chrome_color_scheme": chrome_profile.chrome_color_scheme,
    "chrome_font_size": chrome_profile.chrome_font_size,
    "chrome_language": chrome_profile.chrome_language,
    "cookie_data": chrome_profile.cookie_data,
    "data_delete_automacally": chrome_profile.data_delete_automacally,
    "default_search_engine": chrome_profile.default_search_engine,
    "enable_do_not_track": chrome_profile.enable_do_not_track,
    "enable_enhanced_safety_browsing": chrome_profile.enable_enhanced_safety_browsing,
    "enable_safe_browsing": chrome_profile.enable_safe_browsing,
    "enabled_experiments": chrome_profile.enabled_experiments,
    "extensions_installed_from_shop": chrome_profile.extensions_installed_from_shop,
    "find_installed_extension_name": chrome_profile.find_installed_extension_name,
    "find_unpacked_extension_path": chrome_profile.find_unpacked_extension_path,
    "history": chrome_profile.history,
    "new_startup_page": chrome_profile.new_startup_page,
    "profile_name": chrome_profile.profile_name,
    "shortcuts_on_desktop": chrome_profile.shortcuts_on_desktop,
}
