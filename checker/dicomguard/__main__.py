from dicomguard.cli import main

raise SystemExit(main())
