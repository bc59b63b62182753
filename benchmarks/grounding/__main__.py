"""`python -m benchmarks.grounding --dataset DIR --grounder SPEC --out DIR`"""

from benchmarks.grounding.run import main

raise SystemExit(main())
