using System.Diagnostics;

namespace FhirServer.Http;

/// <summary>
/// One log line per request (category <c>FhirServer.Requests</c>, information level): method, path, status, duration
/// and the body's bytes; a 4xx or 5xx adds the first message of the OperationOutcome that answered it, so that the
/// log says why without a trace. The query string is not logged: search values identify patients. Switched off with
/// <c>Server:RequestLog=false</c> (<c>--request-log false</c>) or by the category's log level.
/// </summary>
public static partial class RequestLog
{
    public const string Category = "FhirServer.Requests";

    private static readonly object OutcomeKey = new();

    public static IApplicationBuilder UseRequestLog(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        app.Use(async (http, next) =>
        {
            if (!logger.IsEnabled(LogLevel.Information))
            {
                await next(http);
                return;
            }
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(http);
            }
            finally
            {
                var response = http.Response;
                var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var status = response.StatusCode;
                if (status >= 400)
                    Failed(logger, http.Request.Method, http.Request.Path.Value ?? "/", status, milliseconds, response.ContentLength ?? 0,
                        http.Items.TryGetValue(OutcomeKey, out var message) ? message as string : null);
                else
                    Served(logger, http.Request.Method, http.Request.Path.Value ?? "/", status, milliseconds, response.ContentLength ?? 0);
            }
        });
        return app;
    }

    /// <summary>Called with every OperationOutcome an error answers with; the log line quotes the first message.</summary>
    public static void RecordOutcome(HttpContext http, string message) => http.Items.TryAdd(OutcomeKey, message);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Method} {Path} {Status} {DurationMs:F2} ms {Bytes} B")]
    private static partial void Served(ILogger logger, string method, string path, int status, double durationMs, long bytes);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Method} {Path} {Status} {DurationMs:F2} ms {Bytes} B: {Outcome}")]
    private static partial void Failed(ILogger logger, string method, string path, int status, double durationMs, long bytes, string? outcome);
}
