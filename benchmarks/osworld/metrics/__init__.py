"""OSWorld's metrics, `metric(result, expected, **options) -> float`, by subject.

Each module holds the metrics for one application or kind of file, written from
the behaviour of OSWorld's `desktop_env/evaluators/metrics` so that our scores
compare with published ones:

- general.py: plain values (exact, fuzzy, in-list, JSON objects), and the shared
  `similarity` ratio and `match_value_to_rule` comparison
- text.py: text files; calc.py: spreadsheets and CSV; writer.py: .docx;
  writer_odt.py: .odt; impress.py: .pptx and Impress settings; pdf.py: PDFs
  (and the one `pdf_text` reader); archive.py: zip and tar archives
- chrome.py, vlc.py, gimp.py: those applications; config.py: settings files
  (gimprc, Thunderbird, VS Code, JSON/YAML); system.py: GNOME settings, the time
  zone, folders, the clipboard; accessibility.py: the accessibility tree;
  database.py: SQLite
- image.py (SSIM, pHash), audio.py, video.py: media; colour.py: CIEDE2000

`METRICS` maps the name a task's evaluator uses (`func`) to its function; a
metric exists for the evaluator only once it is listed here.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.osworld.metrics import (
    accessibility,
    archive,
    audio,
    calc,
    chrome,
    config,
    database,
    general,
    gimp,
    image,
    impress,
    pdf,
    system,
    text,
    video,
    vlc,
    writer,
    writer_odt,
)

__all__ = ["METRICS", "Metric"]

Metric = Callable[..., float]

METRICS: dict[str, Metric] = {
    # general.py
    "check_direct_json_object": general.check_direct_json_object,
    "check_include_exclude": general.check_include_exclude,
    "exact_match": general.exact_match,
    "fuzzy_match": general.fuzzy_match,
    "is_in_list": general.is_in_list,
    "literal_match": general.literal_match,
    "match_in_list": general.match_in_list,
    # text.py
    "check_line_number": text.check_line_number,
    "check_list": text.check_list,
    "compare_python_pure_text": text.compare_python_pure_text,
    "compare_text_file": text.compare_text_file,
    "diff_text_file": text.diff_text_file,
    "file_contains": text.file_contains,
    # calc.py
    "check_csv": calc.check_csv,
    "compare_conference_city_in_order": calc.compare_conference_city_in_order,
    "compare_csv": calc.compare_csv,
    "compare_table": calc.compare_table,
    # writer.py
    "check_italic_font_size_14": writer.check_italic_font_size_14,
    "check_tabstops": writer.check_tabstops,
    "compare_docx_files": writer.compare_docx_files,
    "compare_docx_files_and_ignore_new_lines": writer.compare_docx_files_and_ignore_new_lines,
    "compare_docx_images": writer.compare_docx_images,
    "compare_docx_tables": writer.compare_docx_tables,
    "compare_font_names": writer.compare_font_names,
    "compare_line_spacing": writer.compare_line_spacing,
    "compare_references": writer.compare_references,
    "compare_subscript_contains": writer.compare_subscript_contains,
    "compare_unique_train_records": writer.compare_unique_train_records,
    "contains_page_break": writer.contains_page_break,
    "evaluate_colored_words_in_tables": writer.evaluate_colored_words_in_tables,
    "evaluate_strike_through_last_paragraph": writer.evaluate_strike_through_last_paragraph,
    "find_default_font": writer.find_default_font,
    "fuzzy_place_math": writer.fuzzy_place_math,
    "has_page_numbers_in_footers": writer.has_page_numbers_in_footers,
    "is_first_line_centered": writer.is_first_line_centered,
    # writer_odt.py
    "check_highlighted_words": writer_odt.check_highlighted_words,
    # impress.py
    "check_auto_saving_time": impress.check_auto_saving_time,
    "check_image_stretch_and_center": impress.check_image_stretch_and_center,
    "check_left_panel": impress.check_left_panel,
    "check_page_number_colors": impress.check_page_number_colors,
    "check_presenter_console_disable": impress.check_presenter_console_disable,
    "check_slide_orientation_Portrait": impress.check_slide_orientation_Portrait,
    "check_transition": impress.check_transition,
    "compare_pptx_files": impress.compare_pptx_files,
    "evaluate_presentation_fill_to_rgb_distance": impress.evaluate_presentation_fill_to_rgb_distance,
    # pdf.py
    "check_pdf_pages": pdf.check_pdf_pages,
    "compare_pdf_images": pdf.compare_pdf_images,
    "compare_pdfs": pdf.compare_pdfs,
    # archive.py
    "compare_archive": archive.compare_archive,
    "compare_zip_files": archive.compare_zip_files,
    # chrome.py
    "check_font_size": chrome.check_font_size,
    "check_history_deleted": chrome.check_history_deleted,
    "is_added_to_steam_cart": chrome.is_added_to_steam_cart,
    "is_cookie_deleted": chrome.is_cookie_deleted,
    "is_expected_active_tab": chrome.is_expected_active_tab,
    "is_expected_active_tab_approximate": chrome.is_expected_active_tab_approximate,
    "is_expected_bookmarks": chrome.is_expected_bookmarks,
    "is_expected_installed_extensions": chrome.is_expected_installed_extensions,
    "is_expected_search_query": chrome.is_expected_search_query,
    "is_expected_tabs": chrome.is_expected_tabs,
    "is_expected_url_pattern_match": chrome.is_expected_url_pattern_match,
    "is_shortcut_on_desktop": chrome.is_shortcut_on_desktop,
    # config.py
    "check_config_status": config.check_config_status,
    "check_json": config.check_json,
    "check_json_keybindings": config.check_json_keybindings,
    "check_json_settings": config.check_json_settings,
    "check_thunderbird_filter": config.check_thunderbird_filter,
    "check_thunderbird_prefs": config.check_thunderbird_prefs,
    "compare_config": config.compare_config,
    "is_extension_installed": config.is_extension_installed,
    # system.py
    "check_gnome_favorite_apps": system.check_gnome_favorite_apps,
    "check_moved_jpgs": system.check_moved_jpgs,
    "is_in_vm_clickboard": system.is_in_vm_clickboard,
    "is_utc_0": system.is_utc_0,
    # accessibility.py
    "check_accessibility_tree": accessibility.check_accessibility_tree,
    # database.py
    "run_sqlite3": database.run_sqlite3,
    # image.py
    "compare_images": image.compare_images,
    # gimp.py
    "check_brightness_decrease_and_structure_sim": gimp.check_brightness_decrease_and_structure_sim,
    "check_contrast_increase_and_structure_sim": gimp.check_contrast_increase_and_structure_sim,
    "check_file_exists_and_structure_sim": gimp.check_file_exists_and_structure_sim,
    "check_green_background": gimp.check_green_background,
    "check_image_file_size": gimp.check_image_file_size,
    "check_image_mirror": gimp.check_image_mirror,
    "check_image_size": gimp.check_image_size,
    "check_palette_and_structure_sim": gimp.check_palette_and_structure_sim,
    "check_saturation_increase_and_structure_sim": gimp.check_saturation_increase_and_structure_sim,
    "check_structure_sim": gimp.check_structure_sim,
    "check_structure_sim_resized": gimp.check_structure_sim_resized,
    "check_structure_sim_with_threshold": gimp.check_structure_sim_with_threshold,
    "check_textbox_on_leftside": gimp.check_textbox_on_leftside,
    "check_triangle_position": gimp.check_triangle_position,
    "compare_image_list": gimp.compare_image_list,
    # audio.py
    "compare_audios": audio.compare_audios,
    # video.py
    "compare_videos": video.compare_videos,
    # vlc.py
    "check_global_key_play_pause": vlc.check_global_key_play_pause,
    "check_one_instance_when_started_from_file": vlc.check_one_instance_when_started_from_file,
    "check_play_and_exit": vlc.check_play_and_exit,
    "check_qt_bgcone": vlc.check_qt_bgcone,
    "check_qt_max_volume": vlc.check_qt_max_volume,
    "check_qt_minimal_view": vlc.check_qt_minimal_view,
    "check_qt_slider_colours": vlc.check_qt_slider_colours,
    "is_vlc_fullscreen": vlc.is_vlc_fullscreen,
    "is_vlc_playing": vlc.is_vlc_playing,
    "is_vlc_recordings_folder": vlc.is_vlc_recordings_folder,
}
