"""What happened, read off the event log: pure functions of a list of `hacourse.events` records.

- `intervals`: who was in which state when (host, VM, SPM, NIC lanes; migrations as spans).
- `episodes`: the stories the lessons tell (the required-NIC rule, the SPM handover, a fencing and
  its VMs' recovery, pauses, the migration order).
- `facts`: a run in a few numbers, to compare runs.
- `audit`: the Events tab's wording, the one place records become sentences.
"""
