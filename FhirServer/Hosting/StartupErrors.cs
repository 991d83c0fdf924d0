using System.Reflection;

namespace FhirServer.Hosting;

/// <summary>What a failed start says: one line for the operator, never a stack trace.</summary>
public static class StartupErrors
{
    /// <summary>Exit code of a configuration mistake (the usual code for a usage error); other failures exit with 1.</summary>
    public const int ConfigurationExit = 2;

    public static string Describe(Exception e)
    {
        e = Unwrap(e);
        // Kestrel's own messages are one line already ("Failed to bind to address …: address already in use.").
        return e is ConfigurationException or IOException ? e.Message : $"{e.GetType().Name}: {e.Message}";
    }

    public static int ExitCode(Exception e) => Unwrap(e) is ConfigurationException ? ConfigurationExit : 1;

    /// <summary>Checks <c>--urls</c> (<c>Urls</c>), so that a typing mistake is named before binding.</summary>
    public static void CheckUrls(string? urls)
    {
        if (string.IsNullOrWhiteSpace(urls)) return;
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's own parser (BindingAddress) lets "http://localhost:abc" through and then listens on port 80; the
            // URI parser refuses it. Kestrel's wildcard hosts (* and +) are not host names, so they are replaced first.
            var asUri = url.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal);
            if (url.Contains("://unix:", StringComparison.OrdinalIgnoreCase) || url.Contains("://pipe:", StringComparison.OrdinalIgnoreCase)) continue;
            if (!Uri.TryCreate(asUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new ConfigurationException($"--urls (Urls): '{url}' is not an address to listen on; write it as http://host:port (port 0 to 65535), several separated by ';'.");
        }
    }

    private static Exception Unwrap(Exception e)
    {
        while (e is AggregateException or TargetInvocationException && e.InnerException is { } inner) e = inner;
        return e;
    }
}
