using Microsoft.Extensions.Logging.Console;

namespace FhirServer.Hosting;

/// <summary>The console log: plain text, one line per entry, or with <c>--log-format json</c> one JSON object per line with a UTC timestamp.</summary>
public static class ServerLogging
{
    public static void Configure(WebApplicationBuilder builder)
    {
        var format = builder.Configuration["Logging:Format"];
        if (string.IsNullOrEmpty(format) || format.Equals("plain", StringComparison.OrdinalIgnoreCase) || format.Equals("simple", StringComparison.OrdinalIgnoreCase))
        {
            // One line per entry (the default formatter writes the category and the message on two), as a log of one
            // line per request should be.
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            return;
        }
        if (!format.Equals("json", StringComparison.OrdinalIgnoreCase))
            throw new ConfigurationException($"Unknown log format '{format}' (--log-format, Logging:Format): use json, or leave it out for plain text.");
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.UseUtcTimestamp = true;
            // Without a format the JSON formatter writes no timestamp at all.
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = ConsoleFormatterNames.Json);
    }
}
