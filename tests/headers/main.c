/* The header self-test is its compilation; running it has nothing to check. */
int main(void)
{
    return 0;
}
