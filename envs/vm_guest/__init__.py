"""Files that go into the small test VM image (envs/vm_image.py): they run inside the guest,
on Debian's python3 alone (no deskpilot, no third-party packages)."""
