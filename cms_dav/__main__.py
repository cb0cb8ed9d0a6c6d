from cms_dav.cli import main

main()
