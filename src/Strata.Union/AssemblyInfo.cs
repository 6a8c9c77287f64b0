// The on-disk format (Format/OverlayFormat) lives in one place; the image unpacker writes the same forms.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Strata.Image")]

// Engine tests check the on-disk records (OriginHandle) byte for byte.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Strata.Union.Tests")]
