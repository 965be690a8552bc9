from jwkconform.harness._cli import main

raise SystemExit(main())
