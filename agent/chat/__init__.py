"""`agent chat`: a person gives instructions one after another and watches, pauses,
corrects, stops and approves; the approval policy also guards non-interactive runs."""
