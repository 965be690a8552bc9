from jwkconform._cli import main

raise SystemExit(main())
