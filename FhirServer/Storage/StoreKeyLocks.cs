using System.Buffers.Binary;
using System.Runtime.Versioning;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace FhirServer.Storage;

/// <summary>
/// Named locks that every server process on one store sees (the dialects' <see cref="SqlDialect.LockKeysAsync"/>):
/// a name is hashed to 64 bits, and a holder takes its keys in ascending order, so two holders of several never wait
/// for each other in a cycle. Within a process, callers serialize on the name first (ConditionalCreateLocks), so only
/// one request per name and process waits here.
/// </summary>
public static class StoreKeyLocks
{
    /// <summary>The 64-bit keys of <paramref name="names"/>, distinct and ascending (the first 8 bytes of their SHA-256).</summary>
    public static long[] Keys(IEnumerable<string> names) =>
        names.Select(n => BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(n)))).Distinct().Order().ToArray();

    internal sealed class None : IAsyncDisposable
    {
        public static readonly None Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// PostgreSQL: transaction-scoped advisory locks (<c>pg_advisory_xact_lock</c>) on a connection of their own, its
/// transaction held open until the holder is done and then rolled back, so that no lock outlives it on a pooled
/// connection; a process that dies loses its session and its locks with it. At most <see cref="MaxHolders"/>
/// holders at a time take a connection for this: each also needs connections to match and write, and holders that
/// had taken the whole pool would wait for each other's connections.
/// </summary>
internal sealed class PostgresKeyLocks(NpgsqlConnection connection, NpgsqlTransaction transaction, SemaphoreSlim holders) : IAsyncDisposable
{
    public const int MaxHolders = 16;

    public static async ValueTask<IAsyncDisposable> TakeAsync(NpgsqlDataSource source, SemaphoreSlim holders, long[] keys, CancellationToken ct)
    {
        await holders.WaitAsync(ct);
        NpgsqlConnection connection;
        try
        {
            connection = await source.OpenConnectionAsync(ct);
        }
        catch
        {
            holders.Release();
            throw;
        }
        try
        {
            var transaction = await connection.BeginTransactionAsync(ct);
            // unnest keeps the array's order: the locks are taken in ascending key order.
            await using var command = new NpgsqlCommand("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(@keys) AS k", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<long[]>("keys", keys));
            await command.ExecuteScalarAsync(ct);
            return new PostgresKeyLocks(connection, transaction, holders);
        }
        catch
        {
            await connection.DisposeAsync();
            holders.Release();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await transaction.RollbackAsync(CancellationToken.None);
        }
        catch (DbException)
        {
            // A broken connection: its session, and the locks with it, ended on the server.
        }
        await connection.DisposeAsync();
        holders.Release();
    }
}

/// <summary>
/// SQLite: byte-range locks on a file beside the database (<c>…-locks</c>), one byte per key, at an offset taken
/// from the key. The operating system's record locks belong to the process (POSIX) and go with it when it dies; they
/// do not wait, so a taken byte is polled, from 1 ms up to 16 ms between tries. Where record locks are not
/// available (macOS) the locks are this process's alone.
/// </summary>
internal sealed class FileKeyLocks(string path) : IDisposable
{
    private readonly Lock _open = new();
    private FileStream? _file;

    public async ValueTask<IAsyncDisposable> TakeAsync(long[] keys, CancellationToken ct)
    {
        if (OperatingSystem.IsMacOS()) return StoreKeyLocks.None.Instance;
        var file = File();
        var held = new Held(file);
        try
        {
            foreach (var key in keys)
            {
                var offset = (long)((ulong)key >> 2);
                for (var wait = 1; ; wait = Math.Min(wait * 2, 16))
                {
                    if (TryLock(file, offset)) break;
                    await Task.Delay(wait, ct);
                }
                held.Offsets.Add(offset);
            }
            return held;
        }
        catch
        {
            await held.DisposeAsync();
            throw;
        }
    }

    [UnsupportedOSPlatform("macos")]
    private static bool TryLock(FileStream file, long offset)
    {
        try
        {
            file.Lock(offset, 1);
            return true;
        }
        catch (IOException)
        {
            return false; // another process holds it
        }
    }

    private FileStream File()
    {
        lock (_open)
            return _file ??= new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
    }

    public void Dispose()
    {
        lock (_open) _file?.Dispose();
    }

    [UnsupportedOSPlatform("macos")]
    private sealed class Held(FileStream file) : IAsyncDisposable
    {
        public readonly List<long> Offsets = [];

        public ValueTask DisposeAsync()
        {
            foreach (var offset in Offsets)
            {
                try
                {
                    file.Unlock(offset, 1);
                }
                catch (ObjectDisposedException)
                {
                    // The store is closing: the file's locks went with it.
                }
            }
            Offsets.Clear();
            return ValueTask.CompletedTask;
        }
    }
}
