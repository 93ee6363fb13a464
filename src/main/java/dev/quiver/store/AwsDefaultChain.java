package dev.quiver.store;

import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The AWS SDK's whole default credential chain (environment, system properties, web identity token as IRSA and EKS
 * use it, shared profile, container credentials, instance profile), one chain per S3 client.
 *
 * <p>S3A's own default list lacks web identity and profiles, hence this class. It exists rather than naming the
 * SDK's {@code DefaultCredentialsProvider} to S3A because that class's {@code create()} hands out one shared instance,
 * which S3A closes with its file system: the first connector stopped would break every other one on the worker.
 */
public final class AwsDefaultChain implements AwsCredentialsProvider, SdkAutoCloseable {
    private final DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();

    /** S3A instantiates credential providers by their no-argument constructor. */
    public AwsDefaultChain() {
    }

    @Override
    public AwsCredentials resolveCredentials() {
        return chain.resolveCredentials();
    }

    @Override
    public void close() {
        chain.close();
    }

    @Override
    public String toString() {
        return "AwsDefaultChain";
    }
}
