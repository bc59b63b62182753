from grounding.synth import main

raise SystemExit(main())
