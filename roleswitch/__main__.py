from roleswitch.cli import main

raise SystemExit(main())
