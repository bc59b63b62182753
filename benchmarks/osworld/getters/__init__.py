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
- WindowsAgentArena's Windows getters (PowerShell through the command route,
  helpers in windows.py): windows_files.py (Desktop, Documents, Downloads,
  archives), windows_explorer.py (attributes, permissions, tags, libraries, the
  Explorer view), windows_settings.py (registry settings), windows_apps.py (Clock,
  Paint), edge.py (Microsoft Edge's profile)

`GETTERS` maps the `type` a task's evaluator names to its getter; a getter exists
for the evaluator only once it is listed here.
"""

from __future__ import annotations

from benchmarks.osworld.getters import (
    chrome,
    chrome_profile,
    edge,
    files,
    gimp,
    impress,
    rules,
    system,
    vlc,
    windows_apps,
    windows_explorer,
    windows_files,
    windows_settings,
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
    # windows_files.py
    "all_png_file_names": windows_files.all_png_file_names,
    "is_all_docx_in_archive": windows_files.is_all_docx_in_archive,
    "is_file_desktop": windows_files.is_file_desktop,
    "is_file_saved_desktop": windows_files.is_file_saved_desktop,
    "is_files_moved_downloads": windows_files.is_files_moved_downloads,
    "vm_file_exists_in_desktop": windows_files.vm_file_exists_in_desktop,
    "vm_file_exists_in_vm_folder": windows_files.vm_file_exists_in_vm_folder,
    "vm_folder_exists_in_documents": windows_files.vm_folder_exists_in_documents,
    "zipped_folder_in_desktop": windows_files.zipped_folder_in_desktop,
    # windows_explorer.py
    "are_all_images_tagged": windows_explorer.are_all_images_tagged,
    "are_files_sorted_by_modified_time": windows_explorer.are_files_sorted_by_modified_time,
    "is_details_view": windows_explorer.is_details_view,
    "is_directory_read_only_for_user": windows_explorer.is_directory_read_only_for_user,
    "is_file_hidden": windows_explorer.is_file_hidden,
    "vm_active_window_title": windows_explorer.vm_active_window_title,
    "vm_library_folders": windows_explorer.vm_library_folders,
    # windows_settings.py
    "desktop_background": windows_settings.desktop_background,
    "night_light_state": windows_settings.night_light_state,
    "storage_sense_run_frequency": windows_settings.storage_sense_run_frequency,
    "system_notifications": windows_settings.system_notifications,
    "system_timezone": windows_settings.system_timezone,
    # windows_apps.py
    "check_if_timer_started": windows_apps.check_if_timer_started,
    "check_if_world_clock_exists": windows_apps.check_if_world_clock_exists,
    "image_dimension_matches_input": windows_apps.image_dimension_matches_input,
    "is_red_circle_present_on_canvas": windows_apps.is_red_circle_present_on_canvas,
    # edge.py
    "cookie_data_for_edge": edge.cookie_data_for_edge,
    "data_delete_automacally_from_edge": edge.data_delete_automacally_from_edge,
    "default_search_engine_from_edge": edge.default_search_engine_from_edge,
    "edge_default_download_folder": edge.edge_default_download_folder,
    "edge_font_size": edge.edge_font_size,
    "edge_home_page": edge.edge_home_page,
    "enable_do_not_track_from_edge": edge.enable_do_not_track_from_edge,
    "enable_enhanced_safety_browsing_from_edge": edge.enable_enhanced_safety_browsing_from_edge,
    "favorites": edge.favorites,
    "history_for_edge": edge.history_for_edge,
    "profile_name_from_edge": edge.profile_name_from_edge,
    "url_shortcuts_on_desktop": edge.url_shortcuts_on_desktop,
    "validate_pwa_installed": edge.validate_pwa_installed,
}
