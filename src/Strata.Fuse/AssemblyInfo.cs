// What /etc/fuse.conf allows is read by an internal type the FUSE tests check against sample files.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Strata.Fuse.Tests")]
