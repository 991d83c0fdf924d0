using System.IO.Compression;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RequestDecompression;

namespace FhirServer.Http;

/// <summary>
/// Turns the failures of reading a malformed request body into a 400 OperationOutcome, whichever reader meets them
/// (FHIR JSON or XML, a Binary's raw bytes, a <c>_search</c> form, a Bundle, a patch): the request's body stream
/// itself is wrapped, so that no reader can let one escape as a 500.
/// <list type="bullet">
/// <item>A body that is not in its Content-Encoding: GZipStream and DeflateStream throw <see cref="InvalidDataException"/>,
/// BrotliStream an <see cref="InvalidOperationException"/> ("Decoder ran into invalid data"), and zlib data whose
/// header asks for a preset dictionary (FDICT, RFC 1950 §2.2), which HTTP's deflate never has, the runtime's
/// internal ZLibException, an <see cref="IOException"/>; Kestrel's own errors below it are the outer guard's.</item>
/// <item>Chunked framing that Kestrel fails to parse with an <see cref="IOException"/> rather than its own
/// <see cref="BadHttpRequestException"/>: a chunk size past 64 bits (<c>ffffffffffffffff0</c>) overflows in Kestrel's
/// parser (aspnet/KestrelHttpServer#1899, left as is there).</item>
/// </list>
/// Kestrel's own <see cref="BadHttpRequestException"/>s (413, a truncated body…) pass through with their status.
/// </summary>
public static class RequestBodyErrors
{
    /// <summary>Wraps every decompression provider so that its stream reports an undecodable body as a 400.</summary>
    public static void Guard(RequestDecompressionOptions options)
    {
        foreach (var (encoding, provider) in options.DecompressionProviders.ToList())
            options.DecompressionProviders[encoding] = new GuardedProvider(encoding, provider);
    }

    /// <summary>Wraps the body as Kestrel delivers it (before any decompression), for its framing errors.</summary>
    public static IApplicationBuilder UseRequestBodyErrors(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            var body = http.Request.Body;
            if (http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false)
            {
                await next(http);
                return;
            }
            // A reset connection is an IOException too, but then nobody is left to answer.
            http.Request.Body = new GuardedStream(body, e => e is IOException and not BadHttpRequestException && !http.RequestAborted.IsCancellationRequested,
                "The request body could not be read");
            try
            {
                await next(http);
            }
            finally
            {
                http.Request.Body = body;
            }
        });

    private sealed class GuardedProvider(string encoding, IDecompressionProvider inner) : IDecompressionProvider
    {
        public Stream GetDecompressionStream(Stream stream) =>
            new GuardedStream(inner.GetDecompressionStream(stream), e => e is InvalidDataException or InvalidOperationException or (IOException and not BadHttpRequestException),
                $"The request body could not be decompressed ({encoding})");
    }

    /// <summary>A read-only pass-through that rethrows the failures <paramref name="malformed"/> picks as a 400.</summary>
    private sealed class GuardedStream(Stream inner, Func<Exception, bool> malformed, string what) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return inner.Read(buffer);
            }
            catch (Exception e) when (malformed(e))
            {
                throw Refused(e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception e) when (malformed(e))
            {
                throw Refused(e);
            }
        }

        private FhirException Refused(Exception e) => FhirException.BadRequest($"{what}: {e.Message}", code: "structure");

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        // Disposed with the decompression stream it wraps (which leaves the request's own stream open); the wrapper of
        // the request's own stream is never disposed, that stream being Kestrel's.
        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
