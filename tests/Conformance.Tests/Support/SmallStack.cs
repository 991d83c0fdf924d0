namespace FhirServer.Conformance.Tests.Support;

/// <summary>
/// Runs work on a thread whose stack is less than half of a thread pool thread's (1.5 MB on Linux): what passes here,
/// in a Debug build (larger frames than Release), is known to leave that margin where the server runs it.
/// </summary>
public static class SmallStack
{
    public const int Bytes = 640 * 1024;

    /// <summary>The work's result; an exception thrown there is rethrown here.</summary>
    public static T Run<T>(Func<T> work)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { error = e; }
        }, Bytes);
        thread.Start();
        thread.Join();
        if (error is not null) throw error;
        return result;
    }
}
