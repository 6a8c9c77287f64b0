using Strata.Image;

namespace Strata.Cli.Commands;

/// <summary>Turns image store errors (and the I/O errors under them) into one-line CLI errors.</summary>
internal static class ImageErrors
{
    public static int Run(Func<int> command)
    {
        try
        {
            return command();
        }
        catch (ImageException e)
        {
            throw new CliException(e.Message);
        }
        catch (IOException e)
        {
            throw new CliException(e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException(e.Message);
        }
        catch (TaskCanceledException e)
        {
            throw new CliException($"timed out: {e.Message}");
        }
    }
}
