using System.Globalization;
using FhirServer.Conformance.Model;

namespace FhirServer.Http;

/// <summary>
/// Turns every error into an OperationOutcome: <see cref="FhirException"/> with its status, Kestrel's own request
/// errors (body too large…), unmatched routes and methods (404, 405), and anything unexpected as a 500 that names a
/// trace id for the logs — never a stack trace.
/// </summary>
public static class FhirErrors
{
    public static IApplicationBuilder UseFhirErrors(this IApplicationBuilder app)
    {
        app.Use(async (http, next) =>
        {
            try
            {
                await next(http);
            }
            catch (FhirException e) when (!http.Response.HasStarted)
            {
                // Headers set before the error (the ETag of a deleted version with its 410) stay.
                await Write(http, e.Status, e.Issues, clear: false);
            }
            catch (BadHttpRequestException e) when (!http.Response.HasStarted)
            {
                var code = e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "too-long" : "structure";
                await Write(http, e.StatusCode, [new OutcomeIssue(IssueSeverity.Error, code, e.Message)]);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nothing to answer.
            }
            catch (Exception e) when (!http.Response.HasStarted)
            {
                var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("FhirServer.Errors");
                logger.LogError(e, "Unhandled error on {Method} {Path} (trace {TraceId})", http.Request.Method, http.Request.Path, http.TraceIdentifier);
                http.Response.Clear();
                if (DatabaseErrors.Classify(e) is { } failure)
                {
                    if (failure.RetryAfterSeconds is { } seconds) http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                    await Write(http, failure.Status, [new OutcomeIssue(IssueSeverity.Error, failure.Code, $"{failure.Message} (trace {http.TraceIdentifier}).")], clear: false);
                    return;
                }
                await Write(http, StatusCodes.Status500InternalServerError,
                    [new OutcomeIssue(IssueSeverity.Fatal, "exception", $"Internal error (trace {http.TraceIdentifier}); the server log has the details.")], clear: false);
            }
        });
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            if (http.Response.ContentLength > 0 || http.Response.ContentType is not null) return;
            var status = http.Response.StatusCode;
            // A request target that is no path (OPTIONS *) has an empty Path: name the target as sent.
            var where = http.Request.Path.HasValue ? http.Request.Path.Value
                : http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : "/";
            var message = status switch
            {
                StatusCodes.Status404NotFound => $"No FHIR interaction at {where}.",
                StatusCodes.Status405MethodNotAllowed => $"{http.Request.Method} is not allowed on {where}.",
                _ => $"HTTP {status}.",
            };
            var code = status == StatusCodes.Status405MethodNotAllowed ? "not-supported" : status == StatusCodes.Status404NotFound ? "not-found" : "processing";
            await Write(http, status, [new OutcomeIssue(IssueSeverity.Error, code, message)]);
        });
        return app;
    }

    private static Task Write(HttpContext http, int status, IReadOnlyList<OutcomeIssue> issues, bool clear = true)
    {
        if (clear) http.Response.Clear();
        return http.RequestServices.GetRequiredService<FhirOutput>().WriteOutcomeAsync(http, status, issues);
    }
}
