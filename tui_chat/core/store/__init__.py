"""Where sessions live on disk: one JSON file each, in one folder.

session_store  SessionStore: read, save (one ordered writer thread), list, pin, trash
summaries      the summary index (what the sidebar needs, without parsing every file)
ledger         what this window last wrote of each file, to merge with another window's
               writes (merge.py), and the saves still owed after a failure
store_keys     the keys of a file kept by the store, not by Session (pinned, imported_from)
files, peek, json_files   scanning the folder, reading a big file's head, reading JSON safely
trash, watch   the trash folder; noticing what another process changed in the folder
"""
