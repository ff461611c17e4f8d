"""awsconn.iam"""
