using System.CommandLine;
using System.Text;
using FhirServer.Smart;

namespace FhirServer.Cli;

/// <summary>
/// <c>hash-password</c>: reads a password from standard input (typed without echo on a terminal, or piped: the first
/// line) and prints its hash for <c>Smart:Users</c>' <c>PasswordHash</c>. Never from the command line, where other
/// users of the machine and the shell's history would see it.
/// </summary>
internal static class HashPasswordCommand
{
    public static Command Create()
    {
        var command = new Command("hash-password", "Print the hash of a password read from standard input, for Smart:Users' PasswordHash");
        command.SetAction(_ =>
        {
            var password = Console.IsInputRedirected ? Console.In.ReadLine() : ReadHidden();
            if (string.IsNullOrEmpty(password))
            {
                Console.Error.WriteLine("hash-password: no password was given on standard input");
                return 2;
            }
            Console.WriteLine(SmartPasswords.Hash(password));
            return 0;
        });
        return command;
    }

    private static string ReadHidden()
    {
        Console.Error.Write("Password: ");
        var text = new StringBuilder();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; }
            else if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }
}
