from herenow.cli import main

raise SystemExit(main())
