namespace FhirServer.Hosting;

/// <summary>
/// A mistake in the server's configuration (a switch, a setting, an environment variable): reported as one line on
/// stderr and a non-zero exit, never with a stack trace, as it is the operator's to fix rather than a fault.
/// </summary>
public sealed class ConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
