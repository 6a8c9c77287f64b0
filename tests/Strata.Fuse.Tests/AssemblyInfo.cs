// The mount tests look at process-wide state (threads named fuse-reader-*, /proc/self/mounts): run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// Linux only: FUSE and /proc.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
